-- Candidates for mart.anomalies (the p-values are computed in Python: DuckDB has no Poisson CDF).
-- One row per hotspot, sub-hotspot, channel and unit whose count this month is at least
-- $min_rise_pct % above at least one of its bases. Hotspots and channels count DISTINCT orders
-- and come from this month's mart.hotspots / mart.channel_counts (so they share their base
-- mapping: base months re-mapped with this month's taxonomy); units count assignments (volume).
-- A base is present when its month is loaded and its count is above 0 (a rise from 0 has no
-- percentage and no Poisson rate to test against). days_* are the assessment windows' lengths,
-- used to scale a base count to this month's window (the exposure of the Poisson test).
WITH
unit_counts AS (
    SELECT unit,
           count(*) FILTER (WHERE month = $month) AS n_this,
           count(*) FILTER (WHERE month = $last_month) AS n_last_month,
           count(*) FILTER (WHERE month = $last_year) AS n_last_year
    FROM core.assignments WHERE month IN ($month, $last_month, $last_year)
    GROUP BY unit
),
counts AS (
    SELECT 'hotspot' AS kind, hotspot AS item, hotspot, NULL::VARCHAR AS sub_hotspot,
           orders AS count, orders_last_month AS count_last_month, orders_last_year AS count_last_year
    FROM mart.hotspots WHERE month = $month AND sub_hotspot IS NULL
    UNION ALL
    SELECT 'sub_hotspot' AS kind, hotspot || '/' || sub_hotspot AS item, hotspot, sub_hotspot,
           orders AS count, orders_last_month AS count_last_month, orders_last_year AS count_last_year
    FROM mart.hotspots WHERE month = $month AND sub_hotspot IS NOT NULL
    UNION ALL
    SELECT 'channel' AS kind, channel AS item, NULL AS hotspot, NULL AS sub_hotspot,
           orders AS count, orders_last_month AS count_last_month, orders_last_year AS count_last_year
    FROM mart.channel_counts WHERE month = $month
    UNION ALL
    SELECT 'unit' AS kind, unit AS item, NULL AS hotspot, NULL AS sub_hotspot, n_this AS count,
           CASE WHEN month_loaded($last_month) THEN n_last_month END AS count_last_month,
           CASE WHEN month_loaded($last_year) THEN n_last_year END AS count_last_year
    FROM unit_counts WHERE n_this > 0
),
days AS (
    SELECT max(days) FILTER (WHERE month = $month) AS days,
           max(days) FILTER (WHERE month = $last_month) AS days_last_month,
           max(days) FILTER (WHERE month = $last_year) AS days_last_year
    FROM ref.months WHERE month IN ($month, $last_month, $last_year)
),
changes AS (
    SELECT c.*,
           change_pct(c.count, c.count_last_month) AS mom_pct,
           change_pct(c.count, c.count_last_year) AS yoy_pct,
           d.days, coalesce(d.days_last_month, d.days) AS days_last_month,
           coalesce(d.days_last_year, d.days) AS days_last_year
    FROM counts AS c, days AS d
)
SELECT $month AS month, kind, item, hotspot, sub_hotspot, count::BIGINT AS count,
       count_last_month::BIGINT AS count_last_month, mom_pct,
       count_last_year::BIGINT AS count_last_year, yoy_pct,
       days::INTEGER AS days, days_last_month::INTEGER AS days_last_month,
       days_last_year::INTEGER AS days_last_year
FROM changes
WHERE mom_pct >= $min_rise_pct OR yoy_pct >= $min_rise_pct
ORDER BY kind ASC, count DESC, item ASC
