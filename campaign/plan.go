package campaign

import (
	"fmt"
	"regexp"
	"slices"
)

// AdCreativeRef is the creative of an ad by id.
type AdCreativeRef struct {
	CreativeID string `json:"creative_id"`
}

// AdPayload is POST /act_<AD_ACCOUNT_ID>/ads: the object that delivers,
// tying an ad set to a creative. Fields per "Get Started with Advantage+
// Catalog Ads", Step 4: Create an Ad,
// https://developers.facebook.com/documentation/ads-commerce/marketing-api/advantage-catalog-ads/get-started
// (name, adset_id, creative: {creative_id}, status).
type AdPayload struct {
	Name     string        `json:"name"`
	AdSetID  string        `json:"adset_id"`
	Creative AdCreativeRef `json:"creative"`
	Status   string        `json:"status"`
}

// Placeholders of ids that exist only after a call of the plan.
func adSetRef(slug string) string    { return "<AD_SET_ID:" + slug + ">" }
func creativeRef(slug string) string { return "<AD_CREATIVE_ID:" + slug + ">" }
func audienceRef(slug string) string { return "<PRODUCT_AUDIENCE_ID:" + slug + ">" }

// campaignRef is the placeholder of the campaign id.
const campaignRef = "<CAMPAIGN_ID>"

// adAccountRef is the one placeholder no call produces: the ad account
// the plan runs against, supplied by whoever runs it.
const adAccountRef = "<AD_ACCOUNT_ID>"

// planStep is one Marketing API call of meta/api/plan.json.
type planStep struct {
	Step     int      `json:"step"`
	Method   string   `json:"method"`
	Path     string   `json:"path"`
	Body     string   `json:"body"`               // file under the export directory
	Consumes []string `json:"consumes"`           // placeholders in path and body
	Produces string   `json:"produces,omitempty"` // placeholder the response's "id" replaces
}

// plan lists every call of an export in creation order, so a script or a
// person can run it top to bottom: replace each consumed placeholder by
// the id an earlier step produced (or, for Inputs, by your own value),
// send the body, and remember the "id" of the response as Produces.
type plan struct {
	SchemaVersion   int        `json:"schema_version"`
	GraphAPIVersion string     `json:"graph_api_version"`
	Inputs          []string   `json:"inputs"`
	Steps           []planStep `json:"steps"`
}

var placeholderRE = regexp.MustCompile(`<[A-Z][A-Z_]*(?::[^<>"]+)?>`)

// placeholders lists the distinct placeholders of s in order of appearance.
func placeholders(s string) []string {
	out := []string{}
	for _, m := range placeholderRE.FindAllString(s, -1) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// apiCall is one payload file and the call that sends it.
type apiCall struct {
	file     string
	endpoint string // path after the version: "act_<AD_ACCOUNT_ID>/adsets"
	produces string
	payload  any
}

// calls lists the payloads in creation order: the campaign, the product
// sets (before anything that names them), the product audiences, the ad
// sets, the creatives, the ads.
func (p *APIPayloads) calls() []apiCall {
	act := "act_" + adAccountRef
	out := []apiCall{{"meta/api/campaign.json", act + "/campaigns", campaignRef, p.Campaign}}
	for _, x := range p.ProductSets {
		out = append(out, apiCall{"meta/api/product_sets/" + x.Slug + ".json", p.catalogID + "/product_sets", productSetPlaceholder(x.Slug), x.Payload})
	}
	for _, x := range p.ProductAudiences {
		out = append(out, apiCall{"meta/api/product_audiences/" + x.Slug + ".json", act + "/product_audiences", audienceRef(x.Slug), x.Payload})
	}
	for _, x := range p.AdSets {
		out = append(out, apiCall{"meta/api/ad_sets/" + x.Slug + ".json", act + "/adsets", adSetRef(x.Slug), x.Payload})
	}
	for _, x := range p.AdCreatives {
		out = append(out, apiCall{"meta/api/ad_creatives/" + x.Slug + ".json", act + "/adcreatives", creativeRef(x.Slug), x.Payload})
	}
	for _, x := range p.Ads {
		out = append(out, apiCall{"meta/api/ads/" + x.Slug + ".json", act + "/ads", "<AD_ID:" + x.Slug + ">", x.Payload})
	}
	return out
}

// PlanPath is where the plan is written.
const PlanPath = "meta/api/plan.json"

// BuildPlan lays out plan.json: the items_batch bodies first (the catalog
// must hold the items before product sets filter them), then every payload
// of p in creation order. files are the payload files as Files wrote them.
func (p *APIPayloads) BuildPlan(files []File, batches int) ([]byte, error) {
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	pl := plan{SchemaVersion: 1, GraphAPIVersion: p.version, Inputs: []string{adAccountRef}, Steps: []planStep{}}
	add := func(endpoint, body, produces string, data []byte) {
		path := "/" + p.version + "/" + endpoint
		pl.Steps = append(pl.Steps, planStep{Step: len(pl.Steps) + 1, Method: "POST", Path: path, Body: body,
			Consumes: placeholders(path + string(data)), Produces: produces})
	}
	for n := 1; n <= batches; n++ {
		add(p.catalogID+"/items_batch", BatchPath(n), "", nil)
	}
	for _, c := range p.calls() {
		data, ok := byPath[c.file]
		if !ok {
			return nil, fmt.Errorf("plan: %s was not written", c.file)
		}
		add(c.endpoint, c.file, c.produces, data)
	}
	return encodeJSON(pl)
}

func productSetPlaceholder(slug string) string { return "<PRODUCT_SET_ID:" + slug + ">" }
