-- mart.enterprise_summary: section 四, one row per month.
-- Enterprise orders are the orders with a 企业诉求来源, counted DISTINCT (a co-handled order
-- counts once); per source likewise ($source_provincial = 省企业诉求接诉即办, $source_direct =
-- 企业直通车, bound from the export contract's value set). 环比/同比 against the base months as the
-- warehouse holds them now (NULL when not loaded, NULL change against 0).
-- The units with most enterprise orders are ranked by their enterprise ASSIGNMENTS (volume, as in
-- table 4), the top $top_n towns and the top $top_n departments, ties in roster order.
-- 解决率 / 满意率 are over enterprise assignments like the unit indicators: mean credit over the
-- assignments with a callback result; *_rate fractions to 4 decimals, *_pct percentages to 2
-- decimals, half away from zero, exact; NULL without any callback result.
WITH
ent AS (SELECT * FROM core.assignments WHERE month = $month AND enterprise_source IS NOT NULL),
base AS (
    SELECT
        CASE WHEN month_loaded($last_month) THEN
            (SELECT count(*) FROM core.orders
             WHERE month = $last_month AND enterprise_source IS NOT NULL) END AS orders_last_month,
        CASE WHEN month_loaded($last_year) THEN
            (SELECT count(*) FROM core.orders
             WHERE month = $last_year AND enterprise_source IS NOT NULL) END AS orders_last_year
),
figures AS (
    SELECT count(DISTINCT order_id) AS orders,
           count(DISTINCT order_id) FILTER (WHERE enterprise_source = $source_provincial) AS provincial_orders,
           count(DISTINCT order_id) FILTER (WHERE enterprise_source = $source_direct) AS direct_orders,
           count(*) AS assignments,
           count(resolution_credit) AS resolution_results,
           sum(e4(resolution_credit)) AS resolution_e4,
           count(satisfaction_credit) AS satisfaction_results,
           sum(e4(satisfaction_credit)) AS satisfaction_e4
    FROM ent
),
volumes AS (
    SELECT e.unit, e.unit_group, count(*) AS assignments, any_value(u.roster_order) AS roster_order
    FROM ent AS e
    LEFT JOIN ref.units AS u ON u.month = $month AND e.unit = u.unit
    GROUP BY e.unit, e.unit_group
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY unit_group
                                 ORDER BY assignments DESC, roster_order ASC NULLS LAST, unit ASC) AS position
    FROM volumes
),
tops AS (
    SELECT
        coalesce(list(unit ORDER BY position)
                 FILTER (WHERE unit_group = $town_group AND position <= $top_n), []) AS top_towns,
        coalesce(list(assignments ORDER BY position)
                 FILTER (WHERE unit_group = $town_group AND position <= $top_n), []) AS top_town_assignments,
        coalesce(list(unit ORDER BY position)
                 FILTER (WHERE unit_group = $dept_group AND position <= $top_n), []) AS top_depts,
        coalesce(list(assignments ORDER BY position)
                 FILTER (WHERE unit_group = $dept_group AND position <= $top_n), []) AS top_dept_assignments
    FROM ranked
)
SELECT
    $month AS month,
    f.orders AS enterprise_orders,
    b.orders_last_month,
    change_pct(f.orders, b.orders_last_month) AS mom_pct,
    b.orders_last_year,
    change_pct(f.orders, b.orders_last_year) AS yoy_pct,
    f.provincial_orders,
    f.direct_orders,
    f.assignments,
    round4_ratio(f.resolution_e4, f.resolution_results::HUGEINT * 10000) AS resolution_rate,
    round2_ratio(f.resolution_e4 * 100, f.resolution_results::HUGEINT * 10000) AS resolution_pct,
    round4_ratio(f.satisfaction_e4, f.satisfaction_results::HUGEINT * 10000) AS satisfaction_rate,
    round2_ratio(f.satisfaction_e4 * 100, f.satisfaction_results::HUGEINT * 10000) AS satisfaction_pct,
    t.top_towns, t.top_town_assignments, t.top_depts, t.top_dept_assignments,
    $last_month AS last_month_month,
    $last_year AS last_year_month
FROM figures AS f, base AS b, tops AS t
