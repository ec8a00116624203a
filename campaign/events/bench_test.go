package events

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"
)

// benchLog builds a canonical CSV log of n events in memory.
func benchLog(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString("timestamp,user_id,session_id,event,item_id,value,currency,quantity\n")
	types := []string{"view", "view", "view", "view", "view", "view", "cart", "purchase"}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		t := base.Add(time.Duration(i) * time.Second)
		fmt.Fprintf(&buf, "%s,u%d,,%s,SKU-%d,,,\n", t.Format(time.RFC3339), i%50000, types[i%len(types)], (i*7919)%100000)
	}
	return buf.Bytes()
}

// BenchmarkIngestCSV reports events/s for the canonical CSV schema.
func BenchmarkIngestCSV(b *testing.B) {
	data := benchLog(200000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		st, err := Each(context.Background(), bytes.NewReader(data), Options{}, func(ev *Event) error { return nil })
		if err != nil || st.Events != 200000 {
			b.Fatalf("%v %d", err, st.Events)
		}
		n += st.Events
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIngestREES46 measures the REES46 layout (" UTC" timestamps).
func BenchmarkIngestREES46(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("event_time,event_type,product_id,category_id,category_code,brand,price,user_id,user_session\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&buf, "2019-10-01 00:%02d:%02d UTC,view,%d,2053013555631882655,electronics.smartphone,oppo,386.06,%d,980e114b-2429-f562-9d6b-1a04c22d8177\n", (i/60)%60, i%60, 1000000+i%5000, 500000000+i%40000)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		st, _ := Each(context.Background(), bytes.NewReader(data), Options{}, func(ev *Event) error { return nil })
		n += st.Events
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
