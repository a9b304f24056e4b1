-- mart.request_type_shares: orders and share per 诉求类型 (求助, 咨询, …), most first.
-- Over DISTINCT orders (the type is an order-level field: a co-handled order counts once);
-- share_pct is of all the month's orders, 2 decimals half away from zero. Only the types that
-- occur this month have a row. rank is competition ranking by orders.
WITH
orders AS (SELECT order_id, request_type FROM core.orders WHERE month = $month),
total AS (SELECT count(*) AS orders FROM orders)
SELECT
    $month AS month,
    o.request_type,
    count(*) AS orders,
    share_pct(count(*), any_value(t.orders)) AS share_pct,
    rank() OVER (ORDER BY count(*) DESC) AS rank
FROM orders AS o, total AS t
GROUP BY o.request_type
ORDER BY orders DESC, o.request_type ASC
