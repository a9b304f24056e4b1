-- The temp table month_order_aspects (assets/text.py, month_order_aspects): the month's orders as
-- the macro order_aspects gives them (this month's taxonomy), computed once per marts step and read
-- by mart.hotspot_aspects, mart.hotspot_terms and mart.place_clusters, each of which regrouped the
-- month's assignments and terms on its own before.
--
-- single_caller: the order's caller has no other order this month. Such a caller adds exactly one
-- to the distinct callers of any set of orders holding the order (one row per order and term), so
-- the marts count DISTINCT only over the orders of repeat callers (a hash set per group of every
-- caller is what made mart.hotspot_terms slow at 1M orders).
-- The columns are those of the macro order_aspects (sql/macros.sql), which sqlfluff cannot see.
-- noqa: disable=AM04
SELECT *, caller IS NOT NULL AND count(*) OVER (PARTITION BY caller) = 1 AS single_caller
FROM order_aspects($month, $month, $other_aspect, $unmatched_label)
