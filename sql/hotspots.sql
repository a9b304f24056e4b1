-- mart.hotspots: section 三. One row per hotspot (sub_hotspot NULL) and one per sub-hotspot,
-- for every hotspot and sub-hotspot of this month's taxonomy plus the unmatched label (其他).
-- Over DISTINCT orders (诉求分类 is order-level: a co-handled order counts once).
--
-- Classification: every order of this month AND of both base months is mapped with THIS
-- month's taxonomy, hotspot_of(path, $month) (longest whole-level prefix). So when the taxonomy
-- changes between months (a prefix moves to another hotspot, a sub-hotspot is added), the base
-- count is what the base month's orders would have counted under today's definition: 同比 and
-- 环比 compare like with like, and every row of this month has a base. This month's own orders
-- are classified once, by the ingest (core.orders.hotspot, under this month's taxonomy).
--
-- Bases are read from the warehouse as it is now: NULL when the base month is not loaded, 0 when
-- loaded without such orders (then the change is NULL: change_pct gives no % against 0).
-- share_pct is of all the month's orders. rank: competition ranking by orders among the named
-- hotspots (the unmatched label gets no rank: it is not a hotspot the report describes); on a
-- sub-hotspot row, the rank among the hotspot's sub-hotspots.
WITH
taxonomy AS (SELECT * FROM ref.hotspots WHERE month = $month),
skeleton AS (     -- every row the mart shows, in taxonomy order
    SELECT hotspot, NULL::VARCHAR AS sub_hotspot, min(hotspot_order) AS hotspot_order
    FROM taxonomy GROUP BY hotspot
    UNION ALL
    SELECT hotspot, sub_hotspot, min(hotspot_order) AS hotspot_order
    FROM taxonomy WHERE sub_hotspot IS NOT NULL GROUP BY hotspot, sub_hotspot
    UNION ALL
    SELECT $unmatched_label AS hotspot, NULL AS sub_hotspot, NULL AS hotspot_order
    WHERE $unmatched_label NOT IN (SELECT hotspot FROM taxonomy)
),
orders AS (       -- one row per order of the three months
    SELECT month, order_id, category_path, hotspot, sub_hotspot
    FROM core.orders WHERE month IN ($month, $last_month, $last_year)
),
mapped AS (       -- the base months' distinct paths through this month's taxonomy
    SELECT category_path, hotspot_of(category_path, $month) AS h
    FROM (SELECT DISTINCT category_path FROM orders WHERE month <> $month) AS distinct_paths
),
classified AS (   -- this month's orders as core.orders classified them (under this month's taxonomy)
    SELECT month, order_id, hotspot, sub_hotspot FROM orders WHERE month = $month
    UNION ALL
    SELECT o.month, o.order_id,
           coalesce(m.h.hotspot, $unmatched_label) AS hotspot,
           m.h.sub_hotspot AS sub_hotspot  -- a struct field, not schema.table.column -- noqa: AL09
    FROM orders AS o INNER JOIN mapped AS m USING (category_path)  -- used as m.h.hotspot (a struct) -- noqa: AL05
    WHERE o.month <> $month
),
counts AS (
    SELECT hotspot, NULL::VARCHAR AS sub_hotspot,
           count(*) FILTER (WHERE month = $month) AS n_this,
           count(*) FILTER (WHERE month = $last_month) AS n_last_month,
           count(*) FILTER (WHERE month = $last_year) AS n_last_year
    FROM classified GROUP BY hotspot
    UNION ALL
    SELECT hotspot, sub_hotspot,
           count(*) FILTER (WHERE month = $month) AS n_this,
           count(*) FILTER (WHERE month = $last_month) AS n_last_month,
           count(*) FILTER (WHERE month = $last_year) AS n_last_year
    FROM classified WHERE sub_hotspot IS NOT NULL GROUP BY hotspot, sub_hotspot
),
total AS (SELECT count(*) AS orders FROM orders WHERE month = $month),
rows AS (
    SELECT s.hotspot, s.sub_hotspot, s.hotspot_order,
           coalesce(c.n_this, 0) AS orders,
           CASE WHEN month_loaded($last_month) THEN coalesce(c.n_last_month, 0) END AS orders_last_month,
           CASE WHEN month_loaded($last_year) THEN coalesce(c.n_last_year, 0) END AS orders_last_year
    FROM skeleton AS s
    LEFT JOIN counts AS c ON s.hotspot = c.hotspot AND c.sub_hotspot IS NOT DISTINCT FROM s.sub_hotspot
)
SELECT
    $month AS month,
    r.hotspot,
    r.sub_hotspot,
    r.orders,
    share_pct(r.orders, t.orders) AS share_pct,
    r.orders_last_month,
    change_pct(r.orders, r.orders_last_month) AS mom_pct,
    r.orders_last_year,
    change_pct(r.orders, r.orders_last_year) AS yoy_pct,
    CASE
        WHEN r.sub_hotspot IS NOT NULL THEN
            rank() OVER (PARTITION BY r.hotspot, r.sub_hotspot IS NULL ORDER BY r.orders DESC)
        WHEN r.hotspot_order IS NOT NULL THEN
            rank() OVER (PARTITION BY r.sub_hotspot IS NULL, r.hotspot_order IS NULL ORDER BY r.orders DESC)
    END AS rank,
    -- beyond the contract
    r.hotspot_order,                      -- first row of hotspots.csv naming it (NULL: unmatched)
    r.hotspot_order IS NULL AS unmatched,
    $last_month AS last_month_month,
    $last_year AS last_year_month
FROM rows AS r, total AS t
ORDER BY r.hotspot_order NULLS LAST, r.hotspot, r.sub_hotspot NULLS FIRST
