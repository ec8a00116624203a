package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchItems is the generated feed size: small by default so the shared
// machine is not loaded; DPA_BENCH_ITEMS=1000000 for the published figures.
func diffBenchItems() int {
	if n, err := strconv.Atoi(os.Getenv("DPA_BENCH_ITEMS")); err == nil && n > 0 {
		return n
	}
	return 20000
}

func writeGen(tb testing.TB, path string, n int, seed int64) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := GenerateFeed(context.Background(), f, GenerateOptions{Items: n, Seed: seed, FaultRate: 0.05}); err != nil {
		tb.Fatal(err)
	}
}

func sleepMs(n int) { time.Sleep(time.Duration(n) * time.Millisecond) }

func openString(t testing.TB, name, s string) Reader {
	t.Helper()
	r, err := Open(context.Background(), name, strings.NewReader(s), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDiff(t *testing.T) {
	old := "id,title,price,availability\nA,Shirt,10.00 USD,in stock\nB,Trousers,20.00 USD,in stock\nC,Hat,5.00 USD,in stock\nD,Scarf,8.00 USD,in stock\n"
	nw := "id,title,price,availability,color\nA,Shirt,10.00 USD,in stock,\nB,Trousers,30.00 USD,in stock,\nC,Hat,5.00 USD,out of stock,Red\nE,Gloves,9.00 USD,in stock,\nE,Dup,1.00 USD,in stock,\n"
	res, err := Diff(context.Background(), openString(t, "old.csv", old), openString(t, "new.csv", nw), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("old=%d new=%d +%d -%d ~%d =%d dup=%d price=%d up=%d fields=%v flips=%v moves=%v",
		res.OldItems, res.NewItems, res.Added, res.Removed, res.Changed, res.Unchanged, res.DuplicateIDs, res.PriceChanges, res.PriceUp,
		res.FieldChanges, res.Availability, res.LargestMoves)
	want := "old=4 new=5 +1 -1 ~2 =1 dup=1 price=1 up=1 fields=[{availability 1} {color 1} {price 1}] flips=[{in stock → out of stock 1}] moves=[{B 20.00 USD 30.00 USD 0.5}]"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var items []string
	for _, it := range res.Items {
		items = append(items, it.Status+":"+it.ID+strings.Join(it.Fields, "+"))
	}
	if s := strings.Join(items, " "); s != "changed:Bprice changed:Cavailability+color added:E removed:D" {
		t.Errorf("items %s", s)
	}
	changed, removed, price := res.Shares()
	if changed != 0.5 || removed != 0.25 || price != 0.25 {
		t.Errorf("shares %v %v %v", changed, removed, price)
	}
}

func TestDiffIdentical(t *testing.T) {
	src := "id,title,price\nA,Shirt,10.00 USD\nB,Hat,5.00 USD\n"
	// The same items as XML with g: names: formats do not matter, values do.
	xml := `<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>A</g:id><title>Shirt</title><g:price>10.00 USD</g:price></item>
<item><g:id>B</g:id><title>Hat</title><g:price>5.00 USD</g:price></item></channel></rss>`
	res, err := Diff(context.Background(), openString(t, "a.csv", src), openString(t, "b.xml", xml), DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Unchanged != 2 || res.Changed+res.Added+res.Removed != 0 {
		t.Errorf("%+v", res)
	}
}

func TestStats(t *testing.T) {
	src := "id,title,price,sale_price,availability,condition,brand,gtin,image_link,item_group_id,google_product_category\n" +
		"A,Shirt,10.00 USD,8.00 USD,in stock,new,Acme,4006381333931,https://x.example/a.jpg,G1,A > B > C\n" +
		"B,Shirt,20.00 USD,,in stock,new,Acme,,https://x.example/b.jpg,G1,A > B\n" +
		"C,Hat,30.00 EUR,,out of stock,used,Bolt,,,,\n" +
		"D,Scarf,bad,,in stock,new,,,,,123\n"
	st, err := Stats(context.Background(), openString(t, "s.csv", src), StatsOptions{Buckets: 2})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("items=%d variants=%d groups=%d avail=%v cond=%v sale=%v brands=%v depth=%v gtin=%v img=%v dupTitles=%d unparsed=%d",
		st.Items, st.Variants, st.Groups, st.Availability, st.Condition, st.SaleShare, st.Brands, st.CategoryDepth, st.GTINCoverage, st.ImageCoverage, st.DuplicateTitles, st.UnparsedPrices)
	want := "items=4 variants=2 groups=1 avail=[{in stock 3} {out of stock 1}] cond=[{new 3} {used 1}] sale=0.25 brands=[{Acme 2} {Bolt 1}] depth=[{0 1} {2 1} {3 1} {numeric 1}] gtin=0.25 img=0.5 dupTitles=1 unparsed=1"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if len(st.Prices) != 2 || st.Prices[0].Currency != "USD" || st.Prices[0].Median != 10 || st.Prices[0].Max != 20 || st.Prices[0].Histogram[1].Count != 1 {
		t.Errorf("prices %+v", st.Prices)
	}
	if st.FillRates[0].Field != "id" || st.FillRates[0].Rate != 1 {
		t.Errorf("fill %+v", st.FillRates)
	}
}

// TestWriterRoundTrip writes items in each format and reads them back.
func TestWriterRoundTrip(t *testing.T) {
	items := []*Item{
		{Fields: []Field{{"id", "A1"}, {"title", `Shirt, "blue" & <b>`}, {"description", "line one\nline two"}, {"additional_image_link", "https://x.example/1.jpg"}, {"additional_image_link", "https://x.example/2.jpg"}, {"shipping", "US:CA:Ground:4.95 USD"}}},
		{Fields: []Field{{"id", "A2"}, {"title", "=SUM(A1)"}, {"description", "plain"}}},
	}
	cols := []string{"id", "title", "description", "additional_image_link", "shipping"}
	for _, format := range []string{FormatCSV, FormatTSV, FormatXML, FormatJSONL} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, format, WriteOptions{Columns: cols})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if err := w.Write(it); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			r := openString(t, "x."+format, buf.String())
			for i, want := range items {
				got, err := r.Next()
				if err != nil && got == nil {
					t.Fatalf("item %d: %v\n%s", i, err, buf.String())
				}
				for _, c := range cols {
					wv := strings.Join(want.All(c), ",")
					if format == FormatTSV {
						wv = strings.ReplaceAll(wv, "\n", " ")
					}
					gv := strings.Join(got.All(c), ",")
					if gv != wv {
						t.Errorf("item %d %s = %q, want %q", i, c, gv, wv)
					}
				}
			}
		})
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, FormatCSV, WriteOptions{Columns: cols, ForExcel: true})
	w.Write(items[1])
	w.Close()
	if !strings.Contains(buf.String(), "'=SUM(A1)") {
		t.Errorf("ForExcel did not neutralise: %s", buf.String())
	}
}

func genFeed(tb testing.TB, n int, seed int64, format string) []byte {
	var buf bytes.Buffer
	if err := GenerateFeed(context.Background(), &buf, GenerateOptions{Items: n, Seed: seed, Format: format}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkNormalizeVsValidate normalizes a generated Meta CSV into Google
// XML and validates the same input, for the 3x budget.
// DPA_BENCH_ITEMS=1000000 go test ./feed -run ^$ -bench NormalizeVsValidate -benchtime 1x
func BenchmarkNormalizeVsValidate(b *testing.B) {
	src := genFeed(b, diffBenchItems(), 1, "csv")
	b.Run("normalize_google_xml", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			r, _ := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
			_, err := Normalize(context.Background(), r, NormalizeOptions{Channel: channels["google"]}, NormalizeSinks{
				Out: func(cols []string) (ItemWriter, error) {
					return NewWriter(discard{}, FormatXML, WriteOptions{Columns: cols})
				},
				Rejects: func(cols []string) (ItemWriter, error) {
					return NewWriter(discard{}, FormatCSV, WriteOptions{Columns: cols})
				},
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("validate_google", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		v, _ := NewValidator(channels["google"], Overrides{})
		for b.Loop() {
			r, _ := Open(context.Background(), "in.csv", bytes.NewReader(src), ReadOptions{})
			if _, err := v.Validate(context.Background(), r, ValidateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// writeNextDay derives a realistic next version of a generated CSV feed:
// about 1% of items removed, 2% with a new price (-20% to +30%), 0.5%
// with availability flipped and 1% new items. The same input gives the
// same output.
func writeNextDay(tb testing.TB, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	r := csv.NewReader(bufio.NewReader(in))
	r.FieldsPerRecord = -1
	bw := bufio.NewWriter(out)
	w := csv.NewWriter(bw)
	hdr, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range hdr {
		col[h] = i
	}
	w.Write(hdr)
	rng := rand.New(rand.NewPCG(42, 0))
	added := 0
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		switch x := rng.Float64(); {
		case x < 0.01:
			continue
		case x < 0.03:
			if amt, cur, ok := strings.Cut(rec[col["price"]], " "); ok {
				if f, err := strconv.ParseFloat(amt, 64); err == nil {
					rec[col["price"]] = fmt.Sprintf("%.2f %s", f*(0.8+rng.Float64()*0.5), cur)
				}
			}
		case x < 0.035:
			if rec[col["availability"]] == "in stock" {
				rec[col["availability"]] = "out of stock"
			} else {
				rec[col["availability"]] = "in stock"
			}
		}
		w.Write(rec)
		if rng.Float64() < 0.01 {
			rec[col["id"]] = fmt.Sprintf("NEW%07d", added)
			added++
			w.Write(rec)
		}
	}
	w.Flush()
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkDiffMemory diffs a generated feed with its next day and reports
// the peak heap.
// DPA_BENCH_ITEMS=1000000 go test ./feed -run ^$ -bench DiffMemory -benchtime 1x
func BenchmarkDiffMemory(b *testing.B) {
	n := diffBenchItems()
	dir := b.TempDir()
	oldPath, newPath := dir+"/old.csv", dir+"/new.csv"
	writeGen(b, oldPath, n, 1)
	writeNextDay(b, oldPath, newPath)
	for b.Loop() {
		runtime.GC()
		var peak uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapAlloc)
				select {
				case <-stop:
					return
				default:
					sleepMs(20)
				}
			}
		}()
		o, _ := OpenFile(context.Background(), oldPath, ReadOptions{})
		nw, _ := OpenFile(context.Background(), newPath, ReadOptions{})
		if _, err := Diff(context.Background(), o, nw, DiffOptions{ListLimit: 1000}); err != nil {
			b.Fatal(err)
		}
		o.Close()
		nw.Close()
		close(stop)
		<-done
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
