package model

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dpa-tools/dpa/campaign/events"
)

// Dialects lists the SQL dialects SQL writes.
var Dialects = []string{"bigquery", "snowflake", "spark", "duckdb"}

// SQLSpec names the warehouse table and columns the aggregation reads.
type SQLSpec struct {
	Dialect string
	// Table as the warehouse names it (project.dataset.table, db.schema.t).
	Table string
	// Column names. Session may be empty (sessions then end after
	// SessionGap of inactivity). Time must be a TIMESTAMP column.
	User, Session, Event, Item, Time string
	// Split, when not zero, keeps only the events before it (the
	// training window of a replay split at that instant, --by user).
	Split time.Time
	// SessionGap (30 minutes) and MaxBasket (50) as in rank.ModelConfig.
	SessionGap time.Duration
	MaxBasket  int
}

type dialect struct {
	str    string
	micros func(string) string
	norm   func(string) string
}

var dialects = map[string]dialect{
	// https://duckdb.org/docs/sql/functions/timestamp (epoch_us),
	// https://duckdb.org/docs/sql/functions/regular_expressions ('g' option)
	"duckdb": {"VARCHAR", func(c string) string { return "epoch_us(CAST(" + c + " AS TIMESTAMPTZ))" },
		func(c string) string { return "regexp_replace(lower(" + c + "), '[^a-z0-9]', '', 'g')" }},
	// https://cloud.google.com/bigquery/docs/reference/standard-sql/timestamp_functions#unix_micros
	"bigquery": {"STRING", func(c string) string { return "UNIX_MICROS(" + c + ")" },
		func(c string) string { return "REGEXP_REPLACE(LOWER(" + c + "), r'[^a-z0-9]', '')" }},
	// https://docs.snowflake.com/en/sql-reference/functions/date_part (EPOCH_MICROSECOND)
	"snowflake": {"VARCHAR", func(c string) string { return "DATE_PART(EPOCH_MICROSECOND, " + c + ")" },
		func(c string) string { return "REGEXP_REPLACE(LOWER(" + c + "), '[^a-z0-9]', '')" }},
	// https://spark.apache.org/docs/latest/api/sql/#unix_micros
	"spark": {"STRING", func(c string) string { return "unix_micros(" + c + ")" },
		func(c string) string { return "regexp_replace(lower(" + c + "), '[^a-z0-9]', '')" }},
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$`)

// SQL returns one query that computes the artifact's table (graph, item,
// neighbour, count — every pair, in Rows order) from an event table, as
// dpa model build --all-pairs does: the same user fallback, event aliases,
// event order (time, funnel step, item), sessions, 50 most recent distinct
// items per basket and counts. It reads one item id per row and
// TIMESTAMP times at microsecond precision.
func SQL(spec SQLSpec) (string, error) {
	d, ok := dialects[spec.Dialect]
	if !ok {
		return "", fmt.Errorf("model: unknown SQL dialect %q (want %s)", spec.Dialect, strings.Join(Dialects, ", "))
	}
	if spec.SessionGap <= 0 {
		spec.SessionGap = events.DefaultSessionGap
	}
	if spec.MaxBasket <= 0 {
		spec.MaxBasket = 50
	}
	if !identRe.MatchString(strings.ReplaceAll(spec.Table, "`", "")) {
		return "", fmt.Errorf("model: table %q is not a plain (qualified) table name", spec.Table)
	}
	for _, c := range []struct{ flag, v string }{{"user", spec.User}, {"event", spec.Event}, {"item", spec.Item}, {"time", spec.Time}, {"session", spec.Session}} {
		if c.v == "" && c.flag == "session" {
			continue
		}
		if !identRe.MatchString(c.v) || strings.Contains(c.v, ".") {
			return "", fmt.Errorf("model: %s column %q is not a plain column name", c.flag, c.v)
		}
	}
	// Event names as events.ParseType reads them, grouped by funnel step
	// (rank.Kind: view 1, search 2, cart 3, checkout 4, purchase 5).
	kinds := map[events.Type]int{events.ViewContent: 1, events.Search: 2, events.AddToCart: 3, events.InitiateCheckout: 4, events.Purchase: 5}
	names := map[int][]string{}
	for n, t := range events.TypeAliases() {
		if t != "" {
			names[kinds[t]] = append(names[kinds[t]], "'"+n+"'")
		}
	}
	var kindCase strings.Builder
	kindCase.WriteString("CASE")
	for k := 1; k <= 5; k++ {
		sort.Strings(names[k])
		fmt.Fprintf(&kindCase, "\n      WHEN e IN (%s) THEN %d", strings.Join(names[k], ", "), k)
	}
	kindCase.WriteString(" END")

	sess := "CAST(NULL AS " + d.str + ")"
	if spec.Session != "" {
		sess = "TRIM(CAST(" + spec.Session + " AS " + d.str + "))"
	}
	na := "('', 'na', 'n/a', 'nan', 'null', 'none', 'undefined', 'nil')"
	split := ""
	if !spec.Split.IsZero() {
		// t < split in microseconds: round the split up, so that an
		// event in the split's microsecond but before it stays in.
		us := spec.Split.UnixMicro()
		if spec.Split.Sub(time.UnixMicro(us)) > 0 {
			us++
		}
		split = "\n  WHERE t < " + strconv.FormatInt(us, 10)
	}
	gap := strconv.FormatInt(spec.SessionGap.Microseconds(), 10)
	mb := strconv.Itoa(spec.MaxBasket)

	q := `-- dpa model build --engine sql --dialect ` + spec.Dialect + `: the item model's counts.
-- Export the result as Parquet and pass it to: dpa recommend|simulate --model FILE
WITH raw AS (
  SELECT
    TRIM(CAST(` + spec.User + ` AS ` + d.str + `)) AS u0,
    ` + sess + ` AS s0,
    TRIM(CAST(` + spec.Item + ` AS ` + d.str + `)) AS item,
    ` + d.micros(spec.Time) + ` AS t,
    ` + d.norm("CAST("+spec.Event+" AS "+d.str+")") + ` AS e
  FROM ` + spec.Table + `
),
typed AS (
  SELECT
    CASE WHEN LOWER(COALESCE(u0, '')) IN ` + na + ` THEN (CASE WHEN LOWER(COALESCE(s0, '')) IN ` + na + ` THEN NULL ELSE s0 END) ELSE u0 END AS u,
    CASE WHEN LOWER(COALESCE(s0, '')) IN ` + na + ` THEN NULL ELSE s0 END AS s,
    item, t,
    ` + kindCase.String() + ` AS k
  FROM raw
),
-- Usable interactions (the training window when split).
x AS (
  SELECT u, s, item, t, k FROM (
    SELECT * FROM typed WHERE k IS NOT NULL AND u IS NOT NULL AND item IS NOT NULL AND item <> ''
  ) w` + split + `
),
-- Each user's events in dpa's order: time, funnel step, item.
ordered AS (
  SELECT u, s, item, t, k,
    ROW_NUMBER() OVER (PARTITION BY u ORDER BY t, k, item) AS pos,
    LAG(t) OVER (PARTITION BY u ORDER BY t, k, item) AS pt,
    LAG(s) OVER (PARTITION BY u ORDER BY t, k, item) AS ps
  FROM x
),
-- Co-view baskets: a new one when the session id changes or, without
-- session ids, after more than the session gap.
sessioned AS (
  SELECT u, item, pos,
    SUM(CASE WHEN pt IS NULL OR COALESCE(s, '') <> COALESCE(ps, '') OR (s IS NULL AND t - pt > ` + gap + `) THEN 1 ELSE 0 END)
      OVER (PARTITION BY u ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS b
  FROM ordered
),
vfirst AS (SELECT u, b, item, MIN(pos) AS p FROM sessioned GROUP BY u, b, item),
vranked AS (
  SELECT u, b, item,
    ROW_NUMBER() OVER (PARTITION BY u, b ORDER BY p DESC) AS r,
    COUNT(*) OVER (PARTITION BY u, b) AS n
  FROM vfirst
),
-- The ` + mb + ` most recent distinct items of each basket of two or more.
vb AS (SELECT u, b, item FROM vranked WHERE n > 1 AND r <= ` + mb + `),
-- Co-purchase baskets: each user's carted, checked-out or bought items.
bfirst AS (SELECT u, item, MIN(pos) AS p FROM ordered WHERE k >= 3 GROUP BY u, item),
branked AS (
  SELECT u, item,
    ROW_NUMBER() OVER (PARTITION BY u ORDER BY p DESC) AS r,
    COUNT(*) OVER (PARTITION BY u) AS n
  FROM bfirst
),
bb AS (SELECT u, item FROM branked WHERE n > 1 AND r <= ` + mb + `),
counts AS (
  SELECT 'view' AS graph, '' AS item, CAST(NULL AS ` + d.str + `) AS neighbour, COUNT(*) AS cnt FROM (SELECT DISTINCT u, b FROM vb) vbs
  UNION ALL SELECT 'view', item, CAST(NULL AS ` + d.str + `), COUNT(*) FROM vb GROUP BY item
  UNION ALL SELECT 'view', l.item, r.item, COUNT(*) FROM vb l JOIN vb r ON l.u = r.u AND l.b = r.b AND l.item <> r.item GROUP BY l.item, r.item
  UNION ALL SELECT 'buy', '', CAST(NULL AS ` + d.str + `), COUNT(*) FROM (SELECT DISTINCT u FROM bb) bbs
  UNION ALL SELECT 'buy', item, CAST(NULL AS ` + d.str + `), COUNT(*) FROM bb GROUP BY item
  UNION ALL SELECT 'buy', l.item, r.item, COUNT(*) FROM bb l JOIN bb r ON l.u = r.u AND l.item <> r.item GROUP BY l.item, r.item
  UNION ALL SELECT 'popularity', item, CAST(NULL AS ` + d.str + `), COUNT(*) FROM x GROUP BY item
  UNION ALL SELECT 'purchases', item, CAST(NULL AS ` + d.str + `), COUNT(*) FROM x WHERE k = 5 GROUP BY item
)
SELECT graph, item, neighbour, cnt AS ` + "count" + `
FROM counts
ORDER BY CASE graph WHEN 'view' THEN 1 WHEN 'buy' THEN 2 WHEN 'popularity' THEN 3 ELSE 4 END, item, neighbour NULLS FIRST
`
	return q, nil
}
