// Package campaign is the domain half of `dpa export`: the strict
// campaign.yaml model and loader, Meta's product-set filter grammar, the
// dynamic-ad template engine, and pure builders that turn a campaign plus
// catalog items into Ads Manager bulk rows, Marketing API payloads,
// items_batch bodies, Google supplemental feed rows and a static preview.
//
// Nothing here writes files or reads flags: the command layer streams the
// catalog through a Selection, asks the builders for data and writes it.
// Facts about the platforms come from docs/export-formats.md; where that
// document marks a fact unconfirmed ([U]) the code says so next to it.
package campaign
