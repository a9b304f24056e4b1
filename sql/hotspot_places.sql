-- mart.hotspot_places: the places (诉求地址, as stored) most named per hotspot and per
-- sub-hotspot this month; the hotspot's rows have sub_hotspot NULL. Orders are classified like
-- mart.hotspots (this month's taxonomy, longest prefix; unmatched → the rules' label) and counted
-- DISTINCT (a co-handled order names its place once). Orders without an address are left out.
-- Keeps the top $places_per_hotspot places of a hotspot and $places_per_sub_hotspot of a
-- sub-hotspot; `rank` is competition ranking by orders, and places tied at the cut are kept in
-- the order of their names (so the list never grows beyond the setting).
WITH
classified AS (  -- classified once, by the ingest (core.orders)
    SELECT order_id, address AS place, hotspot, sub_hotspot
    FROM core.orders WHERE month = $month AND address IS NOT NULL
),
counts AS (
    SELECT hotspot, NULL::VARCHAR AS sub_hotspot, place, count(*) AS orders
    FROM classified GROUP BY hotspot, place
    UNION ALL
    SELECT hotspot, sub_hotspot, place, count(*) AS orders
    FROM classified WHERE sub_hotspot IS NOT NULL GROUP BY hotspot, sub_hotspot, place
),
ranked AS (
    SELECT *,
           rank() OVER (PARTITION BY hotspot, sub_hotspot ORDER BY orders DESC) AS rank,
           row_number() OVER (PARTITION BY hotspot, sub_hotspot ORDER BY orders DESC, place ASC) AS position
    FROM counts
)
SELECT $month AS month, hotspot, sub_hotspot, place, orders, rank, position
FROM ranked
WHERE position <= CASE WHEN sub_hotspot IS NULL THEN $places_per_hotspot ELSE $places_per_sub_hotspot END
ORDER BY hotspot, sub_hotspot NULLS FIRST, position
