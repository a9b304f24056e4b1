-- mart.hotspot_aspects: what each hotspot's orders are about. One row per named hotspot of this
-- month's taxonomy and aspect (方面) with orders this month: its sub-hotspots, else the level of
-- 诉求分类 right below the hotspot's prefix (macros.sql aspect_of, order_aspects). Over DISTINCT
-- orders; the base months' orders are re-mapped with THIS month's taxonomy, as in mart.hotspots,
-- so 同比/环比 compare like with like (NULL when the base month is not loaded, a NULL change
-- against 0).
--
-- share_pct is the aspect's share of its HOTSPOT's orders (the report names the aspects that
-- cover most of the hotspot); month_share_pct its share of all the month's orders. rank:
-- competition ranking by orders within the hotspot. places: the places most named by the aspect's
-- orders (诉求地址, else a place named in the text), most orders first, at most $places_per_aspect.
WITH
classified AS (
    SELECT * EXCLUDE (single_caller) FROM month_order_aspects WHERE month = $month  -- sql/month_order_aspects.sql
    UNION ALL
    SELECT * FROM order_aspects($last_month, $month, $other_aspect, $unmatched_label)
    UNION ALL
    SELECT * FROM order_aspects($last_year, $month, $other_aspect, $unmatched_label)
),
named AS (SELECT * FROM classified WHERE NOT unmatched),
counts AS (
    SELECT hotspot, aspect,
           count(*) FILTER (WHERE month = $month) AS n_this,
           count(*) FILTER (WHERE month = $last_month) AS n_last_month,
           count(*) FILTER (WHERE month = $last_year) AS n_last_year
    FROM named GROUP BY hotspot, aspect
),
hotspot_totals AS (SELECT hotspot, count(*) AS orders FROM named WHERE month = $month GROUP BY hotspot),
month_total AS (SELECT count(*) AS orders FROM classified WHERE month = $month),
place_counts AS (
    SELECT hotspot, aspect, place, count(*) AS orders,
           row_number() OVER (PARTITION BY hotspot, aspect ORDER BY count(*) DESC, place) AS position
    FROM named WHERE month = $month AND place IS NOT NULL
    GROUP BY hotspot, aspect, place
),
places AS (
    SELECT hotspot, aspect, list(place ORDER BY position) AS places
    FROM place_counts WHERE position <= $places_per_aspect
    GROUP BY hotspot, aspect
)
SELECT
    $month AS month,
    c.hotspot,
    c.aspect,
    c.n_this AS orders,
    share_pct(c.n_this, h.orders) AS share_pct,
    CASE WHEN month_loaded($last_month) THEN c.n_last_month END AS orders_last_month,
    change_pct(c.n_this, CASE WHEN month_loaded($last_month) THEN c.n_last_month END) AS mom_pct,
    CASE WHEN month_loaded($last_year) THEN c.n_last_year END AS orders_last_year,
    change_pct(c.n_this, CASE WHEN month_loaded($last_year) THEN c.n_last_year END) AS yoy_pct,
    rank() OVER (PARTITION BY c.hotspot ORDER BY c.n_this DESC) AS rank,
    -- beyond the contract
    share_pct(c.n_this, t.orders) AS month_share_pct,
    coalesce(p.places, []::VARCHAR[]) AS places,
    c.aspect = $other_aspect AS other
FROM counts AS c
INNER JOIN hotspot_totals AS h USING (hotspot)
LEFT JOIN places AS p USING (hotspot, aspect)
CROSS JOIN month_total AS t
WHERE c.n_this > 0
ORDER BY c.hotspot, rank, c.aspect
