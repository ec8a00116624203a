package feed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"io"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

// benchItems is the size of the in-memory benchmark feeds (~20 MB CSV).
const benchItems = 20000

var benchFeeds = struct {
	sync.Mutex
	m map[string][]byte
}{m: map[string][]byte{}}

func benchFeed(b *testing.B, format string) []byte {
	b.Helper()
	benchFeeds.Lock()
	defer benchFeeds.Unlock()
	if d, ok := benchFeeds.m[format]; ok {
		return d
	}
	var buf bytes.Buffer
	switch format {
	case FormatXLSX:
		var csvBuf bytes.Buffer
		if err := GenerateFeed(context.Background(), &csvBuf, GenerateOptions{Items: benchItems / 4, Seed: 1, FaultRate: 0.01}); err != nil {
			b.Fatal(err)
		}
		recs, err := csv.NewReader(&csvBuf).ReadAll()
		if err != nil {
			b.Fatal(err)
		}
		f := excelize.NewFile()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		for i, rec := range recs {
			row := make([]any, len(rec))
			for j, v := range rec {
				row[j] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := sw.SetRow(cell, row); err != nil {
				b.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Write(&buf); err != nil {
			b.Fatal(err)
		}
		f.Close()
	default:
		if err := GenerateFeed(context.Background(), &buf, GenerateOptions{Items: benchItems, Format: format, Seed: 1, FaultRate: 0.01}); err != nil {
			b.Fatal(err)
		}
	}
	benchFeeds.m[format] = buf.Bytes()
	return buf.Bytes()
}

func benchRead(b *testing.B, format string) {
	data := benchFeed(b, format)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Open(context.Background(), "bench."+format, bytes.NewReader(data), ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		r.Close()
		if n == 0 {
			b.Fatal("no items")
		}
	}
}

func BenchmarkReadCSV(b *testing.B)  { benchRead(b, FormatCSV) }
func BenchmarkReadTSV(b *testing.B)  { benchRead(b, FormatTSV) }
func BenchmarkReadXML(b *testing.B)  { benchRead(b, FormatXML) }
func BenchmarkReadXLSX(b *testing.B) { benchRead(b, FormatXLSX) }

// BenchmarkBaselineCSV is shared/bench/baseline.go's CSV loop: the floor
// BenchmarkReadCSV is quoted against.
func BenchmarkBaselineCSV(b *testing.B) { benchBaselineCSV(b, benchFeed(b, FormatCSV)) }

func benchBaselineCSV(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := csv.NewReader(bufio.NewReaderSize(bytes.NewReader(data), 1<<20))
		r.ReuseRecord = true
		r.FieldsPerRecord = -1
		records, fields := 0, 0
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
			fields += len(rec)
		}
		if records == 0 || fields == 0 {
			b.Fatal("nothing read")
		}
	}
}

// BenchmarkBaselineXML is baseline.go's RawToken loop.
func BenchmarkBaselineXML(b *testing.B) {
	data := benchFeed(b, FormatXML)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d := xml.NewDecoder(bufio.NewReaderSize(bytes.NewReader(data), 1<<20))
		records := 0
		for {
			tok, err := d.RawToken()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "item" || se.Name.Local == "entry") {
				records++
			}
		}
		if records == 0 {
			b.Fatal("nothing read")
		}
	}
}
