package render

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
)

// JUnitSuite is one <testsuite>: typically one input file or one check
// family.
type JUnitSuite struct {
	Name  string
	Cases []JUnitCase
}

// JUnitCase is one <testcase>; it passed when Failures is empty. File and
// Line (omitted when empty) are the testcase attributes CI tools use to
// link a case to its source; Properties are <property> name/value pairs on
// the case. Both are common extensions of the Ant schema, documented with
// examples at https://github.com/testmoapp/junitxml ("Complete JUnit XML
// example", "Properties for suites and cases"); readers that do not know
// them ignore them.
type JUnitCase struct {
	Name, Classname string
	File            string
	Line            int
	Properties      []JUnitProperty
	Failures        []JUnitFailure
}

// JUnitProperty is one <property name=… value=…>.
type JUnitProperty struct {
	Name, Value string
}

// JUnitFailure is one <failure>: Type is a short machine-readable kind (a
// rule id), Message a one-line summary, Text the detail body.
type JUnitFailure struct {
	Type, Message, Text string
}

type junitTestsuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Time     string           `xml:"time,attr"`
	Suites   []junitTestsuite `xml:"testsuite"`
}

type junitTestsuite struct {
	Name     string          `xml:"name,attr"`
	Tests    int             `xml:"tests,attr"`
	Failures int             `xml:"failures,attr"`
	Errors   int             `xml:"errors,attr"`
	Skipped  int             `xml:"skipped,attr"`
	Time     string          `xml:"time,attr"`
	Cases    []junitTestcase `xml:"testcase"`
}

type junitTestcase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	Time       string           `xml:"time,attr"`
	File       string           `xml:"file,attr,omitempty"`
	Line       int              `xml:"line,attr,omitempty"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Failures   []junitFailure   `xml:"failure"`
}

type junitProperties struct {
	Props []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes JUnit XML as read by Jenkins, GitLab, GitHub test
// reporters and similar: <testsuites> → <testsuite> → <testcase> →
// <failure>. "tests" counts test cases and "failures" counts failed test
// cases (not <failure> elements), as in the Ant/Maven schema. All times are
// "0" so the file is reproducible. Suites and cases keep the caller's order;
// characters XML cannot carry are replaced by U+FFFD by encoding/xml.
func WriteJUnit(w io.Writer, name string, suites []JUnitSuite) error {
	doc := junitTestsuites{Name: name, Time: "0", Suites: make([]junitTestsuite, 0, len(suites))}
	for _, s := range suites {
		js := junitTestsuite{Name: s.Name, Time: "0", Cases: make([]junitTestcase, 0, len(s.Cases))}
		for _, c := range s.Cases {
			jc := junitTestcase{Name: c.Name, Classname: c.Classname, Time: "0", File: c.File, Line: c.Line}
			if len(c.Properties) > 0 {
				jc.Properties = &junitProperties{}
				for _, p := range c.Properties {
					jc.Properties.Props = append(jc.Properties.Props, junitProperty(p))
				}
			}
			for _, f := range c.Failures {
				jc.Failures = append(jc.Failures, junitFailure{Message: f.Message, Type: f.Type, Text: f.Text})
			}
			js.Tests++
			if len(c.Failures) > 0 {
				js.Failures++
			}
			js.Cases = append(js.Cases, jc)
		}
		doc.Tests += js.Tests
		doc.Failures += js.Failures
		doc.Suites = append(doc.Suites, js)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	return nil
}
