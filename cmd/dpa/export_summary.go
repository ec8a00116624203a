package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dpa-tools/dpa/campaign"
	"github.com/dpa-tools/dpa/feed"
	"github.com/dpa-tools/dpa/render"
)

// exportSummary is the -o json contract (schema_version 1).
type exportSummary struct {
	SchemaVersion int                     `json:"schema_version"`
	Out           string                  `json:"out"`
	Campaign      string                  `json:"campaign"`
	CatalogItems  int                     `json:"catalog_items"`
	Batches       int                     `json:"items_batch_bodies"`
	Updates       int                     `json:"items_batch_updates"`
	Deletes       int                     `json:"items_batch_deletes"`
	Unchanged     int                     `json:"unchanged_since,omitempty"`
	LeftOut       int                     `json:"items_batch_left_out"` // new/changed items the Meta feed leaves out`
	Since         string                  `json:"since,omitempty"`
	Files         []campaign.ManifestFile `json:"files"`
	Sets          []campaign.ManifestSet  `json:"sets"`
	Issues        []campaign.Issue        `json:"issues"`
	Feeds         []campaign.FeedSummary  `json:"channel_feeds"`
}

func printIssues(w io.Writer, issues []campaign.Issue, quiet bool) {
	for _, is := range issues {
		if quiet && is.Severity != feed.Error {
			continue
		}
		line := fmt.Sprintf("%s: ad set %q: %s", is.Severity, is.AdSet, is.Message)
		if is.Count > 0 && len(is.ItemIDs) > 0 {
			ids := strings.Join(is.ItemIDs, ", ")
			if is.Count > len(is.ItemIDs) {
				ids += ", …"
			}
			line += fmt.Sprintf(" [%s: %s]", render.Count(is.Count, "item", "items"), ids)
		}
		fmt.Fprintln(w, render.CleanLine(line))
	}
}

func writeExportSummary(o *exportOptions, s *exportSummary) error {
	if o.Output == "json" {
		return render.WriteJSON(o.IO.Out, s)
	}
	styles := render.NewStyles(o.IO.ColorOut())
	fmt.Fprintf(o.IO.Out, "%s: %s catalog items → %s\n", s.Campaign, render.Int(s.CatalogItems), s.Out)
	sets := render.Table{Columns: []string{"ad set", "type", "items", "out of stock", "feed"}, Align: []string{"left", "left", "right", "right", "left"}}
	for _, ms := range s.Sets {
		sets.Rows = append(sets.Rows, []string{ms.Name, ms.Type, render.Int(ms.Items), render.Int(ms.OutOfStock), ms.Feed})
	}
	if err := render.WriteTable(o.IO.Out, sets, render.TableOptions{TTY: o.IO.OutTTY, Styles: styles}); err != nil {
		return err
	}
	files := render.Table{Columns: []string{"file", "bytes"}, Align: []string{"left", "right"}}
	var batchFiles int
	var batchBytes int64
	for _, f := range s.Files {
		if strings.HasPrefix(f.Path, "meta/api/items_batch/") {
			batchFiles++
			batchBytes += f.Bytes
			continue
		}
		files.Rows = append(files.Rows, []string{f.Path, render.Int64(f.Bytes)})
	}
	if batchFiles > 0 {
		files.Rows = append(files.Rows, []string{fmt.Sprintf("meta/api/items_batch/ (%d bodies)", batchFiles), render.Int64(batchBytes)})
	}
	if err := render.WriteTable(o.IO.Out, files, render.TableOptions{TTY: o.IO.OutTTY, Styles: styles}); err != nil {
		return err
	}
	batch := fmt.Sprintf("items_batch: %s UPDATE, %s DELETE", render.Int(s.Updates), render.Int(s.Deletes))
	if s.LeftOut > 0 {
		batch += fmt.Sprintf(", %s left out as in feeds/meta.csv", render.Int(s.LeftOut))
	}
	if s.Since != "" {
		batch += fmt.Sprintf(" since %s (%s unchanged)", s.Since, render.Int(s.Unchanged))
	}
	var warns int
	for _, is := range s.Issues {
		if is.Severity == feed.Warning {
			warns++
		}
	}
	for _, f := range s.Feeds {
		if f.Path == "" {
			continue
		}
		line := fmt.Sprintf("%s: %s of %s items", f.Path, render.Int(f.ItemsOut), render.Int(f.ItemsIn))
		if f.Rejected.Count > 0 {
			var rules []string
			for i, r := range f.Rejected.Rules {
				if i == 3 {
					rules = append(rules, "…")
					break
				}
				rules = append(rules, r.Code)
			}
			line += fmt.Sprintf(", %s left out (%s)", render.Int(f.Rejected.Count), strings.Join(rules, ", "))
		}
		fmt.Fprintln(o.IO.Out, line)
	}
	fmt.Fprintf(o.IO.Out, "%s; %s, see manifest.json\n", batch, render.Count(warns, "warning", "warnings"))
	return nil
}
