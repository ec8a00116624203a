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

// A case's file and line attributes and its properties are written where
// CI readers look for them, and left out when unset (the golden above).
func TestWriteJUnitCaseLocation(t *testing.T) {
	var buf bytes.Buffer
	suites := []JUnitSuite{{Name: "feed.xml", Cases: []JUnitCase{
		{Name: "item A (line 2)", Classname: "dpa.google", File: "feed.xml", Line: 2,
			Properties: []JUnitProperty{{Name: "item", Value: "3"}, {Name: "column", Value: "812"}},
			Failures:   []JUnitFailure{{Type: "price.zero", Message: "m"}}},
		{Name: "1 items without findings", Classname: "dpa.google"},
	}}}
	if err := WriteJUnit(&buf, "dpa validate", suites); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Cases []struct {
				File  string `xml:"file,attr"`
				Line  int    `xml:"line,attr"`
				Props []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
				Failures []struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	c := doc.Suites[0].Cases
	if c[0].File != "feed.xml" || c[0].Line != 2 || len(c[0].Props) != 2 || c[0].Props[1].Name != "column" || c[0].Props[1].Value != "812" || len(c[0].Failures) != 1 {
		t.Errorf("case 0 = %+v", c[0])
	}
	if bytes.Count(buf.Bytes(), []byte("<properties>")) != 1 || bytes.Count(buf.Bytes(), []byte(`file="`)) != 1 {
		t.Errorf("unset location written:\n%s", buf.Bytes())
	}
}
