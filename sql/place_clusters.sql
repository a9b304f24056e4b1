-- mart.place_clusters (聚集性诉求): a place with at least $cluster_min_orders orders about the same
-- hotspot and aspect within $cluster_days days (last − first receipt ≤ that many days). Places
-- are 诉求地址 as stored, else a place the order's text names (order_aspects); unmatched orders
-- (其他) cluster by their 诉求分类 path. One row per place and aspect: its densest window (most
-- orders, then the earliest), with its orders, distinct callers (keyed hashes; orders without a
-- known caller add none) and first and last receipt. Over DISTINCT orders.
WITH
located AS (
    SELECT * FROM month_order_aspects      -- the month's order_aspects (sql/month_order_aspects.sql)
    WHERE month = $month AND place IS NOT NULL
),
enough AS (       -- only a place and aspect with enough orders in the month can hold a cluster
    SELECT place, hotspot, aspect FROM located
    GROUP BY place, hotspot, aspect HAVING count(*) >= $cluster_min_orders
),
orders AS (
    SELECT l.* FROM located AS l SEMI JOIN enough USING (place, hotspot, aspect)
),
-- The linter cannot parse DuckDB's RANGE frame with an interval offset (to_days): PRS is silenced there.
windows AS (
    SELECT place, hotspot, aspect, received_at AS window_start,
           count(*) OVER (PARTITION BY place, hotspot, aspect ORDER BY received_at
                          RANGE BETWEEN CURRENT ROW  -- noqa: PRS
                          AND to_days(CAST($cluster_days AS INTEGER)) FOLLOWING) AS n
    FROM orders
),
densest AS (      -- per place and aspect, the window with the most orders, then the earliest
    SELECT place, hotspot, aspect, arg_min(window_start, {'fewer': -n, 'start': window_start}) AS window_start
    FROM windows WHERE n >= $cluster_min_orders
    GROUP BY place, hotspot, aspect
),
members AS (
    SELECT d.place, d.hotspot, d.aspect, o.order_id, o.caller, o.received_at
    FROM densest AS d
    INNER JOIN orders AS o ON d.place = o.place AND d.hotspot = o.hotspot AND d.aspect = o.aspect
         AND d.window_start <= o.received_at
         AND o.received_at <= d.window_start + to_days(CAST($cluster_days AS INTEGER))
)
SELECT $month AS month, place, hotspot, aspect, count(*) AS orders, count(DISTINCT caller) AS callers,
       min(received_at) AS first_received, max(received_at) AS last_received
FROM members
GROUP BY place, hotspot, aspect
ORDER BY orders DESC, place ASC, hotspot ASC, aspect ASC
