-- core.orders: one row per distinct order of the given months, read from core.assignments (an
-- order co-handled by several units has one assignment per unit). Written by the ingest in the
-- same transaction as the month's core.assignments ($months = [the month]), and for months stored
-- before this table existed when the warehouse is opened (assets/warehouse.py prepare).
-- The order-level fields are the same on every assignment of an order (the exports repeat them);
-- the few that are not are summarised so that every mart counts an order the same way:
-- received_at the earliest, address the first non-empty one (trimmed), enterprise_source the
-- one given (any_value skips NULLs), unit_groups every group of its units, city_overdue when any
-- assignment is. hotspot / sub_hotspot: the month's own taxonomy (as core.assignments).
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
