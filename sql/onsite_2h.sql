-- mart.onsite_2h for one month: table 5, 省接诉即办 (fast-track) assignments per unit plus a
-- 合计 row (is_total). Parameters: $month, $within_hours (exact decimal text), $total_label.
-- Within: 到达现场时间 − 派单时间 ≤ within_hours, compared exactly in seconds × 10^4; no
-- arrival time counts as not within. Counts are assignments, so the 合计 row is the column sum.
WITH per_unit AS (
    SELECT
        a.unit,
        count(*) AS orders,
        count(*) FILTER (WHERE a.arrived_at IS NOT NULL
                         AND date_diff('second', a.dispatched_at, a.arrived_at)::HUGEINT * 10000
                             <= e4($within_hours) * 3600) AS within_2h,
        count(*) FILTER (WHERE a.onsite_meeting = '已见面') AS met_on_site,
        count(*) FILTER (WHERE a.onsite_meeting = '跨区域未见面') AS not_met_cross_region,
        count(*) FILTER (WHERE a.onsite_meeting = '市民不需要见面') AS not_met_declined,
        count(*) FILTER (WHERE a.arrived_at IS NULL) AS no_arrival_time
    FROM core.assignments AS a
    WHERE a.month = $month AND a.fast_track
    GROUP BY a.unit
),
units AS (
    SELECT p.*, r.short_name, r.roster_order, FALSE AS is_total
    FROM per_unit AS p
    INNER JOIN ref.units AS r ON r.month = $month AND p.unit = r.unit
),
total AS (
    SELECT
        $total_label AS unit,
        coalesce(sum(orders), 0) AS orders,
        coalesce(sum(within_2h), 0) AS within_2h,
        coalesce(sum(met_on_site), 0) AS met_on_site,
        coalesce(sum(not_met_cross_region), 0) AS not_met_cross_region,
        coalesce(sum(not_met_declined), 0) AS not_met_declined,
        coalesce(sum(no_arrival_time), 0) AS no_arrival_time,
        $total_label AS short_name,
        NULL::INTEGER AS roster_order,
        TRUE AS is_total
    FROM per_unit
),
both_parts AS (
    SELECT * FROM units
    UNION ALL BY NAME
    SELECT * FROM total
)
SELECT
    $month AS month,
    unit,
    orders::BIGINT AS orders,
    within_2h::BIGINT AS within_2h,
    (orders - within_2h)::BIGINT AS not_within_2h,
    met_on_site::BIGINT AS met_on_site,
    not_met_cross_region::BIGINT AS not_met_cross_region,
    not_met_declined::BIGINT AS not_met_declined,
    -- beyond the contract
    short_name,
    roster_order,
    is_total,
    no_arrival_time::BIGINT AS no_arrival_time,
    row_number() OVER (ORDER BY is_total ASC, orders DESC, roster_order ASC)::INTEGER AS list_order
FROM both_parts
ORDER BY list_order
