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
//
// The packages in the directories below campaign/ (events, rank, sim,
// bandit, boot, ope, model) are its siblings, not its children: none of
// them imports campaign and campaign imports none of them
// (TestSiblingsDoNotImportCampaign holds it). The directory groups the ads
// side of dpa, what is shown and to whom (event logs, ranking, replay and
// simulation), apart from the catalog side in feed/. They stay here rather
// than at the top level because moving seven import paths buys no
// behaviour and costs every branch in flight a rebase; a package that one
// day needs campaign's model may import it, never the other way round.
package campaign
