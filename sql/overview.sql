-- mart.overview: section 一 of the report, one row per month.
--
-- Counts are over DISTINCT orders: an order co-handled by two units counts once in `orders`,
-- once in town_orders if any of its units is a town, once in dept_orders if any is a department
-- (so an order co-handled by a town and a department counts in both group shares).
--
-- Rates are over the month's ASSIGNMENTS (order × unit), exactly like the unit indicators, so the
-- district figure is the volume-weighted mean of the units' figures:
--   response_rate     = assignments signed for on time / assignments
--   ontime_rate       = assignments completed on time / assignments
--   resolution_rate   = mean resolution credit over assignments with a callback resolution result
--   satisfaction_rate = mean satisfaction credit over assignments with a callback satisfaction result
-- as fractions rounded to 4 decimals, half away from zero, exactly (×100 gives the report's
-- 2-decimal percentage). A rate with no assignment behind it is NULL (the "full credit without a
-- callback" rule is for scoring units, not for describing the district).
-- The city's published figures (core.city_assessment) are city_*_pct, NULL when not given; the
-- report_*_pct columns are what the report quotes: the city's figure where present, else ours.
--
-- 同比 / 环比: the base months ($last_year = 12 assessment months earlier, $last_month = the
-- previous one) are read from the warehouse as it is NOW, each time this mart is materialized, so
-- loading a base month later and re-materializing this month brings the deltas in. A base month
-- the warehouse does not hold gives NULL counts; a base of 0 gives a NULL change (change_pct).
WITH
base AS (
    SELECT
        CASE WHEN month_loaded($last_year) THEN
            (SELECT count(*) FROM core.orders WHERE month = $last_year) END AS orders_last_year,
        CASE WHEN month_loaded($last_month) THEN
            (SELECT count(*) FROM core.orders WHERE month = $last_month) END AS orders_last_month
),
a AS (SELECT * FROM core.assignments WHERE month = $month),
orders AS (      -- one row per order
    SELECT order_id,
           list_contains(unit_groups, $town_group) AS by_town,
           list_contains(unit_groups, $dept_group) AS by_dept,
           enterprise_source IS NOT NULL AS enterprise,
           city_overdue
    FROM core.orders WHERE month = $month
),
order_counts AS (
    SELECT count(*) AS orders,
           count(*) FILTER (WHERE by_town) AS town_orders,
           count(*) FILTER (WHERE by_dept) AS dept_orders,
           count(*) FILTER (WHERE enterprise) AS enterprise_orders,
           count(*) FILTER (WHERE city_overdue) AS city_overdue_orders
    FROM orders
),
rates AS (
    SELECT count(*) AS assignments,
           count(*) FILTER (WHERE responded_on_time) AS responded,
           count(*) FILTER (WHERE completed_on_time) AS completed_on_time,
           count(resolution_credit) AS resolution_results,
           sum(e4(resolution_credit)) AS resolution_e4,
           count(satisfaction_credit) AS satisfaction_results,
           sum(e4(satisfaction_credit)) AS satisfaction_e4
    FROM a
),
city AS (
    SELECT max(value_pct) FILTER (WHERE indicator = $city_response) AS city_response_pct,
           max(value_pct) FILTER (WHERE indicator = $city_ontime) AS city_ontime_pct,
           max(value_pct) FILTER (WHERE indicator = $city_resolution) AS city_resolution_pct,
           max(value_pct) FILTER (WHERE indicator = $city_satisfaction) AS city_satisfaction_pct
    FROM core.city_assessment WHERE month = $month
),
computed AS (
    SELECT
        w.month, w.window_start, w.window_end, w.days,
        c.orders,
        b.orders_last_year,
        b.orders_last_month,
        change_pct(c.orders, b.orders_last_year) AS yoy_pct,
        change_pct(c.orders, b.orders_last_month) AS mom_pct,
        round_half_away_int(c.orders, w.days)::BIGINT AS daily_avg,
        round4_ratio(r.responded, r.assignments) AS response_rate,
        round4_ratio(r.completed_on_time, r.assignments) AS ontime_rate,
        round4_ratio(r.resolution_e4, r.resolution_results::HUGEINT * 10000) AS resolution_rate,
        round4_ratio(r.satisfaction_e4, r.satisfaction_results::HUGEINT * 10000) AS satisfaction_rate,
        c.town_orders,
        share_pct(c.town_orders, c.orders) AS town_share_pct,
        c.dept_orders,
        share_pct(c.dept_orders, c.orders) AS dept_share_pct,
        c.enterprise_orders,
        c.city_overdue_orders,
        -- beyond the contract --------------------------------------------------------------
        $last_year AS last_year_month,
        $last_month AS last_month_month,
        r.assignments,
        ct.city_response_pct, ct.city_ontime_pct, ct.city_resolution_pct, ct.city_satisfaction_pct
    FROM ref.months AS w, order_counts AS c, rates AS r, base AS b, city AS ct
    WHERE w.month = $month
)
SELECT *,
       coalesce(city_response_pct, (response_rate * 100)::DECIMAL(9, 2)) AS report_response_pct,
       coalesce(city_ontime_pct, (ontime_rate * 100)::DECIMAL(9, 2)) AS report_ontime_pct,
       coalesce(city_resolution_pct, (resolution_rate * 100)::DECIMAL(9, 2)) AS report_resolution_pct,
       coalesce(city_satisfaction_pct, (satisfaction_rate * 100)::DECIMAL(9, 2)) AS report_satisfaction_pct
FROM computed
