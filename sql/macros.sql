-- Exact rounding, half away from zero, of the rational num / den (both whole numbers):
-- 4.375 → 4.38 and -4.375 → -4.38, with no binary-float step anywhere. NULL when den is 0.
-- The linter's DuckDB grammar reads a macro's parameters as column types (CP05) and their uses in the
-- body as unqualified columns (RF02, RF03); every statement here is a macro.
-- noqa: disable=CP05,RF02,RF03
CREATE OR REPLACE TEMP MACRO round_half_away_int(num, den) AS
    CASE WHEN den IS NULL OR den = 0 OR num IS NULL THEN NULL
         ELSE sign(num) * ((2 * abs(num::HUGEINT) + den::HUGEINT) // (2 * den::HUGEINT)) END;
-- num / den rounded to 2 decimals, as DECIMAL(18,2)
CREATE OR REPLACE TEMP MACRO round2_ratio(num, den) AS
    round_half_away_int(num::HUGEINT * 100, den)::DECIMAL(18, 0) * 0.01::DECIMAL(3, 2);
-- num / den rounded to 4 decimals, as DECIMAL(18,4) (rates as fractions: 0.9270)
CREATE OR REPLACE TEMP MACRO round4_ratio(num, den) AS
    round_half_away_int(num::HUGEINT * 10000, den)::DECIMAL(18, 0) * 0.0001::DECIMAL(5, 4);
-- a change in percent, (this − base) / base × 100, rounded to 2 decimals; NULL without a base
CREATE OR REPLACE TEMP MACRO change_pct(this, base) AS
    CASE WHEN base IS NULL OR base = 0 OR this IS NULL THEN NULL
         ELSE round2_ratio((this - base)::HUGEINT * 100, base) END;
-- a share in percent, part / whole × 100, rounded to 2 decimals
CREATE OR REPLACE TEMP MACRO share_pct(part, whole) AS round2_ratio(part::HUGEINT * 100, whole);
-- Whether the warehouse holds month m (an ingested month, even one without orders, lists its
-- export files): a base month it does not hold gives NULL base counts, one it holds 0 or more.
CREATE OR REPLACE TEMP MACRO month_loaded(m) AS
    (EXISTS (SELECT 1 FROM core.export_files WHERE month = m) OR EXISTS (SELECT 1 FROM core.orders WHERE month = m));
-- a decimal value as whole units of 1/10000 (credits, points), exact
CREATE OR REPLACE TEMP MACRO e4(x) AS (x::DECIMAL(38, 4) * 10000)::HUGEINT;
-- The hotspot of a 诉求分类 path under the taxonomy in force in month m: the longest prefix of
-- whole levels wins. NULL when no prefix matches (callers label that with the rules' 其他).
-- Returns {hotspot, sub_hotspot, prefix}. Map distinct paths, then join: taxonomies are small.
CREATE OR REPLACE TEMP MACRO hotspot_of(path, m) AS (
    SELECT {'hotspot': h.hotspot, 'sub_hotspot': h.sub_hotspot, 'prefix': h.prefix}
    FROM ref.hotspots AS h
    WHERE h.month = m AND (path = h.prefix OR starts_with(path, h.prefix || '/'))
    ORDER BY length(h.prefix) DESC, h.hotspot_order
    LIMIT 1
);
-- The aspect (方面) of a 诉求分类 path within its hotspot under month m's taxonomy: the
-- sub-hotspot when the hotspot has sub-hotspots (other_aspect for a path on none of them), else the
-- level of the path right below the matched prefix (other_aspect for the prefix itself). NULL when
-- no hotspot matches. (reference/aspects.csv, where it names the hotspot, comes first: order_aspects.)
CREATE OR REPLACE TEMP MACRO aspect_of(path, m, other_aspect) AS (
    SELECT CASE
        WHEN x.h IS NULL THEN NULL
        WHEN EXISTS (SELECT 1 FROM ref.hotspots AS s
                     WHERE s.month = m AND s.hotspot = x.h.hotspot AND s.sub_hotspot IS NOT NULL)
            THEN coalesce(x.h.sub_hotspot, other_aspect)
        ELSE coalesce(nullif(split_part(substr(path, length(x.h.prefix) + 2), '/', 1), ''), other_aspect)
    END
    FROM (SELECT hotspot_of(path, m) AS h) AS x
);
-- The orders of month `om`, one row each, with hotspot and aspect under the taxonomy of month `tm`
-- (a base month's orders are re-mapped with this month's taxonomy, as in sql/hotspots.sql):
-- month, order_id, category_path, hotspot (the unmatched label when none), aspect (for a hotspot
-- that reference/aspects.csv names (ref.aspects): its first row, in file order, whose prefix the path
-- starts with and one of whose keywords the order's text holds, else other_aspect; for any other
-- hotspot aspect_of; for unmatched orders the path itself), received_at,
-- place (诉求地址 as stored, else a place the order's text
-- names, else NULL), caller (keyed hash of 联系电话, else of 来电人, else NULL), text (its number in
-- core.orders; NULL without text).
CREATE OR REPLACE TEMP MACRO order_aspects(om, tm, other_aspect, unmatched_label) AS TABLE
    WITH
    orders AS (
        SELECT order_id, category_path, received_at, address, caller, text
        FROM core.orders WHERE month = om
    ),
    text_places AS (
        -- the most specific place the text names: the longest (王庄村 rather than 沙镇), once per text
        SELECT text, first(term ORDER BY length(term) DESC, term) AS place
        FROM core.text_terms WHERE month = om AND kind = 'place'
        GROUP BY text
    ),
    mapped AS (
        SELECT category_path, hotspot_of(category_path, tm).hotspot AS hotspot,
               aspect_of(category_path, tm, other_aspect) AS aspect
        FROM (SELECT DISTINCT category_path FROM orders) AS distinct_paths
    ),
    aspect_rules AS (SELECT * FROM ref.aspects WHERE month = tm),
    keywords AS (SELECT order_id, term FROM core.order_terms WHERE month = om AND kind = 'keyword'),
    ruled AS (        -- orders of the hotspots aspects.csv names: the first matching row, in file order
        SELECT o.order_id, arg_min(r.aspect, r.aspect_order) AS aspect
        FROM orders AS o
        INNER JOIN mapped AS m USING (category_path)
        INNER JOIN aspect_rules AS r ON m.hotspot = r.hotspot
        WHERE (r.prefix IS NULL OR o.category_path = r.prefix OR starts_with(o.category_path, r.prefix || '/'))
          AND (len(r.keywords) = 0 OR EXISTS (SELECT 1 FROM keywords AS k
                                               WHERE k.order_id = o.order_id AND list_contains(r.keywords, k.term)))
        GROUP BY o.order_id
    )
    SELECT om AS month, o.order_id, o.category_path,
           coalesce(m.hotspot, unmatched_label) AS hotspot,
           CASE WHEN m.hotspot IN (SELECT hotspot FROM aspect_rules) THEN coalesce(r.aspect, other_aspect)
                ELSE coalesce(m.aspect, o.category_path) END AS aspect,
           m.hotspot IS NULL AS unmatched,
           o.received_at,
           coalesce(o.address, t.place) AS place,
           o.caller,
           o.text
    FROM orders AS o
    INNER JOIN mapped AS m USING (category_path)
    LEFT JOIN ruled AS r USING (order_id)
    LEFT JOIN text_places AS t ON o.text = t.text;
