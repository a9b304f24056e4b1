-- core.orders: one row per distinct order of the given months, read from core.assignments (an
-- order co-handled by several units has one assignment per unit). Written by the ingest in the
-- same transaction as the month's core.assignments ($months = [the month]), and for months stored
-- before this table existed when the warehouse is opened (hotline/warehouse.py prepare, with empty
-- `order_texts` and `order_callers`).
-- The order-level fields are the same on every assignment of an order (the exports repeat them);
-- the few that are not are summarised so that every mart counts an order the same way:
-- received_at the earliest, address the first non-empty one (trimmed), enterprise_source the
-- one given (any_value skips NULLs), unit_groups every group of its units, city_overdue when any
-- assignment is. hotspot / sub_hotspot: the month's own taxonomy (as core.assignments).
-- text: the number of the order's masked 诉求内容 (hotline/text text_terms, registered as
-- `order_texts`: order_id, text), whose terms core.text_terms holds. caller: the keyed hash of
-- 联系电话, else a keyed hash of 来电人 (registered as `order_callers`: order_id, caller_name); an
-- order with neither has no caller and adds to no caller count (a repeat caller who gives nothing
-- cannot pass for many).
WITH
orders AS (
    SELECT
        month,
        order_id,
        min(received_at) AS received_at,
        any_value(channel) AS channel,
        any_value(request_type) AS request_type,
        any_value(category_path) AS category_path,
        any_value(hotspot) AS hotspot,
        any_value(sub_hotspot) AS sub_hotspot,
        any_value(enterprise_source) AS enterprise_source,
        min(nullif(trim(address), '')) AS address,
        min(caller_hash) AS caller_hash,
        -- list_distinct after list: a DISTINCT aggregate costs ten times as much (BENCHMARKS.md)
        list_sort(list_distinct(list(unit_group))) AS unit_groups,
        bool_or(city_overdue) AS city_overdue,
        count(*) AS assignments
    FROM core.assignments
    WHERE list_contains($months::VARCHAR[], month)
    GROUP BY month, order_id
),
names AS (
    SELECT order_id, min(nullif(trim(caller_name), '')) AS caller_name
    FROM order_callers GROUP BY order_id
)
SELECT
    o.*,
    coalesce(o.caller_hash, 'n' || left(sha256($phone_key || ':name:' || n.caller_name), 23)) AS caller,
    t.text
FROM orders AS o
LEFT JOIN names AS n ON o.order_id = n.order_id
LEFT JOIN order_texts AS t ON o.order_id = t.order_id
