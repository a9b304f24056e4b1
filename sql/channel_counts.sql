-- mart.channel_counts: orders per 受理渠道 (channel, counted as written), most first.
-- Over DISTINCT orders (the channel is an order-level field: a co-handled order counts once);
-- share_pct is of all the month's orders; rank is competition ranking by orders (1, 1, 3).
-- The base columns (same channel, previous assessment month and 12 months earlier) come from
-- the warehouse as it is now; NULL when the base month is not loaded; they feed mart.anomalies.
WITH
orders AS (
    SELECT month, order_id, channel
    FROM core.orders WHERE month IN ($month, $last_month, $last_year)
),
counts AS (
    SELECT channel,
           count(*) FILTER (WHERE month = $month) AS orders,
           count(*) FILTER (WHERE month = $last_month) AS last_month_orders,
           count(*) FILTER (WHERE month = $last_year) AS last_year_orders
    FROM orders GROUP BY channel
),
total AS (SELECT count(*) AS orders FROM orders WHERE month = $month)
SELECT
    $month AS month,
    c.channel,
    c.orders,
    share_pct(c.orders, t.orders) AS share_pct,
    rank() OVER (ORDER BY c.orders DESC) AS rank,
    CASE WHEN month_loaded($last_month) THEN c.last_month_orders END AS orders_last_month,
    change_pct(c.orders, CASE WHEN month_loaded($last_month) THEN c.last_month_orders END) AS mom_pct,
    CASE WHEN month_loaded($last_year) THEN c.last_year_orders END AS orders_last_year,
    change_pct(c.orders, CASE WHEN month_loaded($last_year) THEN c.last_year_orders END) AS yoy_pct
FROM counts AS c, total AS t
WHERE c.orders > 0
ORDER BY c.orders DESC, c.channel ASC
