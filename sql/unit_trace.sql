-- `hotline trace MONTH UNIT`: one row per indicator of one unit, with the counts behind its rate
-- and points and the order numbers that lost points (never a name, phone or text).
-- Parameters: the unit_scores and enterprise_scores parameters (bound by pipelines/trace.py from
-- the month's stored rules) plus $unit (the roster name).
-- The same credit columns and the same arithmetic as sql/unit_scores.sql (tables 1–3) and
-- sql/enterprise_scores.sql (table 4): whole numbers in 1/10000, rounded once, half away from
-- zero; a unit without a callback result gets $no_callback_rate for that indicator.
WITH scoped AS (
    SELECT 'unit' AS scope, a.* FROM core.assignments AS a WHERE a.month = $month AND a.unit = $unit
    UNION ALL BY NAME
    SELECT 'enterprise' AS scope, a.* FROM core.assignments AS a
    WHERE a.month = $month AND a.unit = $unit AND a.enterprise_source IS NOT NULL
),
indicators AS (
    -- one row per (scope, indicator, order): its credit (0..1, e4) and whether it counts
    SELECT scope, '响应' AS indicator, 1 AS indicator_order, order_id,
           CASE WHEN responded_on_time THEN 10000 ELSE 0 END AS credit_e4, TRUE AS counted
    FROM scoped WHERE scope = 'unit'
    UNION ALL
    SELECT scope, '按时' AS indicator, 2 AS indicator_order, order_id,
           CASE WHEN completed_on_time THEN 10000 ELSE 0 END AS credit_e4, TRUE AS counted
    FROM scoped
    UNION ALL
    SELECT scope, '解决' AS indicator, 3 AS indicator_order, order_id,
           e4(resolution_credit) AS credit_e4, resolution_credit IS NOT NULL AS counted
    FROM scoped
    UNION ALL
    SELECT scope, '满意' AS indicator, 4 AS indicator_order, order_id,
           e4(satisfaction_credit) AS credit_e4, satisfaction_credit IS NOT NULL AS counted
    FROM scoped
),
counted AS (
    SELECT
        scope, indicator, indicator_order,
        count(*) FILTER (WHERE counted)                          AS denominator,
        coalesce(sum(credit_e4) FILTER (WHERE counted), 0)       AS numerator_e4,
        coalesce(list_sort(list(order_id) FILTER (WHERE counted AND credit_e4 < 10000)), []) AS lost_orders
    FROM indicators
    GROUP BY ALL
),
points AS (
    SELECT * FROM (VALUES
        ('unit', '响应', $points_response), ('unit', '按时', $points_ontime),
        ('unit', '解决', $points_resolution), ('unit', '满意', $points_satisfaction),
        ('enterprise', '按时', $enterprise_points_ontime), ('enterprise', '解决', $enterprise_points_resolution),
        ('enterprise', '满意', $enterprise_points_satisfaction)
    ) AS p (scope, indicator, max_points)  -- the alias names the VALUES columns -- noqa: AL05
),
credited AS (
    SELECT
        c.*,
        p.max_points,
        -- 响应/按时 always have a denominator (the unit's orders); 解决/满意 may have no callback
        c.denominator = 0 AS no_callback,
        CASE WHEN c.denominator = 0 THEN e4($no_callback_rate) ELSE c.numerator_e4 END AS num_e4,
        greatest(c.denominator, 1) AS den
    FROM counted AS c
    INNER JOIN points AS p USING (scope, indicator)
)
SELECT
    $month AS month,
    $unit AS unit,
    scope,
    indicator,
    (numerator_e4::DECIMAL(38, 0) * 0.0001::DECIMAL(5, 4))::DECIMAL(18, 4) AS numerator,
    denominator::BIGINT AS denominator,
    no_callback,
    round4_ratio(num_e4, den * 10000) AS rate,
    max_points::DECIMAL(9, 2) AS max_points,
    round2_ratio(num_e4 * e4(max_points), den * 100000000) AS points,
    len(lost_orders)::BIGINT AS lost_count,
    lost_orders
FROM credited
ORDER BY scope DESC, indicator_order ASC
