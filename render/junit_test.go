package render

import (
	"bytes"
	"encoding/xml"
	"testing"
)

func sampleJUnit() []JUnitSuite {
	return []JUnitSuite{
		{Name: "feeds/shop.csv", Cases: []JUnitCase{
			{Name: "line 2: price", Classname: "dpa.validate.required", Failures: []JUnitFailure{
				{Type: "missing_price", Message: "price is empty", Text: "feeds/shop.csv:2: column \"price\" is required <&>"},
			}},
			{Name: "line 3", Classname: "dpa.validate.row"},
			{Name: "line 4: gtin", Classname: "dpa.validate.gtin", Failures: []JUnitFailure{
				{Type: "bad_gtin", Message: "checksum mismatch", Text: "0123 \x01 ctrl"},
				{Type: "bad_gtin", Message: "too short", Text: ""},
			}},
		}},
		{Name: "feeds/empty.csv"},
	}
}

func TestWriteJUnitGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJUnit(&buf, "dpa validate", sampleJUnit()); err != nil {
		t.Fatal(err)
	}
	golden(t, "junit", buf.Bytes())

	// Structural check: what a CI server reads.
	var doc struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Time      string `xml:"time,attr"`
				Failures  []struct {
					Message string `xml:"message,attr"`
					Type    string `xml:"type,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("output is not well-formed XML: %v", err)
	}
	if doc.Name != "dpa validate" || doc.Tests != 3 || doc.Failures != 2 {
		t.Errorf("testsuites name=%q tests=%d failures=%d, want dpa validate/3/2", doc.Name, doc.Tests, doc.Failures)
	}
	if len(doc.Suites) != 2 || doc.Suites[0].Tests != 3 || doc.Suites[0].Failures != 2 || doc.Suites[1].Tests != 0 {
		t.Fatalf("suites = %+v", doc.Suites)
	}
	c := doc.Suites[0].Cases[0]
	if c.Classname != "dpa.validate.required" || c.Time != "0" || len(c.Failures) != 1 || c.Failures[0].Type != "missing_price" {
		t.Errorf("first case = %+v", c)
	}
	if c.Failures[0].Text != "feeds/shop.csv:2: column \"price\" is required <&>" {
		t.Errorf("failure text did not round-trip: %q", c.Failures[0].Text)
	}
	if got := doc.Suites[0].Cases[2].Failures[0].Text; got != "0123 \uFFFD ctrl" {
		t.Errorf("control character not replaced: %q", got)
	}

	var again bytes.Buffer
	if err := WriteJUnit(&again, "dpa validate", sampleJUnit()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes differ")
	}
}
