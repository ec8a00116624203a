package render_test

import (
	"fmt"
	"os"

	"github.com/dpa-tools/dpa/render"
)

func ExampleWriteTable() {
	t := render.Table{
		Columns: []string{"feed_id", "issue", "count"},
		Align:   []string{"left", "left", "right"},
		Rows: [][]string{
			{"shop.csv", "missing price", render.Int(1234)},
			{"shop.csv", "title too long for the column", "7"},
		},
	}
	// Non-TTY: plain ASCII, no colour, header verbatim.
	_ = render.WriteTable(os.Stdout, t, render.TableOptions{MaxColWidth: 16})
	// Output:
	// +----------+------------------+-------+
	// | feed_id  | issue            | count |
	// +----------+------------------+-------+
	// | shop.csv | missing price    | 1,234 |
	// | shop.csv | title too long … |     7 |
	// +----------+------------------+-------+
}

func ExampleStyles_KeyValues() {
	s := render.NewStyles(false)
	fmt.Println(s.KeyValues([][2]string{
		{"Items", render.Int(41230)},
		{"Errors", render.Int(12)},
		{"Valid", render.Percent(0.9997)},
	}))
	// Output:
	// Items   41,230
	// Errors      12
	// Valid   100.0%
}

func ExampleSafeCell() {
	fmt.Println(render.SafeCell(`=HYPERLINK("http://evil","x")`))
	fmt.Println(render.SafeCell("Blue shirt"))
	// Output:
	// '=HYPERLINK("http://evil","x")
	// Blue shirt
}
