package render

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// SARIF 2.1.0 constants. The schema URL is the one GitHub code scanning and
// most viewers expect.
const (
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	SARIFVersion = "2.1.0"
	// SARIFInformationURI is reported as tool.driver.informationUri.
	SARIFInformationURI = "https://github.com/dpa-tools/dpa"
	// sarifFingerprintKey names the partialFingerprints entry; the version
	// suffix lets the fingerprint algorithm change without silently
	// matching old alerts.
	sarifFingerprintKey = "dpaFingerprint/v1"
	sarifSrcRoot        = "%SRCROOT%"
)

// SARIFRule describes one check. Level is its default severity: "error",
// "warning" or "info" ("" means warning, SARIF's own default).
type SARIFRule struct {
	ID, Name, Short, Full, Help, Level string
	// HelpURI optionally links to the rule's documentation.
	HelpURI string
}

// SARIFResult is one finding. Level "" inherits the rule's level. URI is a
// file path (made relative to the working directory when possible); "" means
// the finding has no location. Line 0 means no line. Fingerprint, when set,
// lets code-scanning services track the finding across runs.
type SARIFResult struct {
	RuleID, Level, Message, URI string
	Line                        int
	// Column, when > 0, is region.startColumn. SARIF counts columns in
	// characters (run.columnKind); callers that know only a byte offset
	// pass it as is: the same number where the line before it is ASCII.
	Column      int
	Fingerprint string
	// BaselineState, when set, is SARIF's result.baselineState: "new",
	// "unchanged", "updated" or "absent" (a run compared with a baseline).
	BaselineState string
}

// ErrSARIF marks invalid input to WriteSARIF (unknown rule, bad level,
// duplicate rule id): a programming error in the caller, not a finding.
var ErrSARIF = errors.New("invalid SARIF input")

// Types below mirror the subset of the SARIF 2.1.0 object model dpa emits;
// field order is the JSON order.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name,omitempty"`
	ShortDescription     *sarifMessage    `json:"shortDescription,omitempty"`
	FullDescription      *sarifMessage    `json:"fullDescription,omitempty"`
	Help                 *sarifMessage    `json:"help,omitempty"`
	HelpURI              string           `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleDefault `json:"defaultConfiguration"`
}

type sarifRuleDefault struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	BaselineState       string            `json:"baselineState,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// WriteSARIF writes a SARIF 2.1.0 log with one run. Rules are sorted by id
// and each result's ruleIndex points into that order; results keep the
// caller's order. Levels map error→error, warning→warning, info→note.
// Paths are written relative to the working directory with forward
// slashes and uriBaseId "%SRCROOT%", so the log is the same on every machine
// that runs from the repository root; paths outside the working directory
// become absolute file:// URIs.
func WriteSARIF(w io.Writer, tool, version string, rules []SARIFRule, results []SARIFResult) error {
	base, err := os.Getwd()
	if err != nil {
		base = ""
	}
	log, err := buildSARIF(base, tool, version, rules, results)
	if err != nil {
		return err
	}
	return WriteJSON(w, log)
}

func buildSARIF(base, tool, version string, rules []SARIFRule, results []SARIFResult) (*sarifLog, error) {
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(a, b SARIFRule) int { return cmp.Compare(a.ID, b.ID) })

	index := make(map[string]int, len(sorted))
	out := make([]sarifRule, 0, len(sorted))
	for i, r := range sorted {
		if r.ID == "" {
			return nil, fmt.Errorf("sarif: rule with empty id: %w", ErrSARIF)
		}
		if _, dup := index[r.ID]; dup {
			return nil, fmt.Errorf("sarif: duplicate rule %q: %w", r.ID, ErrSARIF)
		}
		index[r.ID] = i
		level := "warning"
		if r.Level != "" {
			l, err := sarifLevel(r.Level)
			if err != nil {
				return nil, fmt.Errorf("sarif: rule %q: %w", r.ID, err)
			}
			level = l
		}
		out = append(out, sarifRule{
			ID:                   r.ID,
			Name:                 r.Name,
			ShortDescription:     optMessage(r.Short),
			FullDescription:      optMessage(r.Full),
			Help:                 optMessage(r.Help),
			HelpURI:              r.HelpURI,
			DefaultConfiguration: sarifRuleDefault{Level: level},
		})
	}

	res := make([]sarifResult, 0, len(results))
	for i, r := range results {
		idx, ok := index[r.RuleID]
		if !ok {
			return nil, fmt.Errorf("sarif: result %d: unknown rule %q: %w", i+1, r.RuleID, ErrSARIF)
		}
		level := out[idx].DefaultConfiguration.Level
		if r.Level != "" {
			l, err := sarifLevel(r.Level)
			if err != nil {
				return nil, fmt.Errorf("sarif: result %d: %w", i+1, err)
			}
			level = l
		}
		sr := sarifResult{RuleID: r.RuleID, RuleIndex: idx, Level: level, Message: sarifMessage{Text: r.Message}, BaselineState: r.BaselineState}
		if r.URI != "" {
			uri, baseID := sarifURI(base, r.URI)
			loc := sarifLocation{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: uri, URIBaseID: baseID},
			}}
			if r.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: r.Line, StartColumn: r.Column}
			}
			sr.Locations = []sarifLocation{loc}
		}
		if r.Fingerprint != "" {
			sr.PartialFingerprints = map[string]string{sarifFingerprintKey: r.Fingerprint}
		}
		res = append(res, sr)
	}

	return &sarifLog{
		Schema:  SARIFSchema,
		Version: SARIFVersion,
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           tool,
				Version:        version,
				InformationURI: SARIFInformationURI,
				Rules:          out,
			}},
			Results: res,
		}},
	}, nil
}

func optMessage(s string) *sarifMessage {
	if s == "" {
		return nil
	}
	return &sarifMessage{Text: s}
}

// sarifLevel maps dpa severities onto SARIF's level enum.
func sarifLevel(l string) (string, error) {
	switch strings.ToLower(l) {
	case "error":
		return "error", nil
	case "warning", "warn":
		return "warning", nil
	case "info", "note":
		return "note", nil
	case "none":
		return "none", nil
	}
	return "", fmt.Errorf("unknown level %q (want error, warning or info): %w", l, ErrSARIF)
}

// sarifURI turns a file path into a SARIF artifact URI. Paths inside base
// become relative, slash-separated, percent-encoded references resolved
// against %SRCROOT%; anything else becomes an absolute file:// URI. Values
// that already carry a scheme (https://…) pass through.
func sarifURI(base, p string) (uri, baseID string) {
	if strings.Contains(p, "://") {
		return p, ""
	}
	p = filepath.Clean(p)
	if !filepath.IsAbs(p) && base != "" {
		p = filepath.Join(base, p) // so "../x.csv" is seen to leave the root
	}
	if filepath.IsAbs(p) {
		rel, err := filepath.Rel(base, p)
		if base == "" || err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			u := url.URL{Scheme: "file", Path: filepath.ToSlash(p)}
			if !strings.HasPrefix(u.Path, "/") { // Windows drive letters
				u.Path = "/" + u.Path
			}
			return u.String(), ""
		}
		p = rel
	}
	u := url.URL{Path: filepath.ToSlash(p)}
	// Clean removed any "./"; String only adds one back when the first
	// segment holds a colon and would otherwise read as a scheme.
	return u.String(), sarifSrcRoot
}
