-- mart.unit_highlights for one month: the named lists of section 二, read from mart.unit_scores.
-- Parameters: $month, $top_n (rules.highlights.top_n).
-- One row per (group, list, position). Every list orders its candidates by one comparator:
-- the list's value, then 综合排名, then roster order. A top list takes the first $top_n; a
-- bottom list takes the last $top_n in that same order, so it reads from third-worst to worst.
-- overall_*: all three groups; the other lists: town and dept_large only.
WITH scores AS (
    SELECT * FROM mart.unit_scores WHERE month = $month
),
candidates AS (
    -- list_code, direction (top | bottom), value, sort key (higher first)
    SELECT group_code, 'overall' AS list, unit, short_name, overall_rank, roster_order,
           overall_rank::DECIMAL(18, 4) AS value, -overall_rank::DECIMAL(18, 4) AS sort_key
    FROM scores WHERE overall_rank IS NOT NULL
    UNION ALL
    SELECT group_code, 'resolution' AS list, unit, short_name, overall_rank, roster_order,
           resolution_score AS value, resolution_score AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large')
    UNION ALL
    SELECT group_code, 'satisfaction' AS list, unit, short_name, overall_rank, roster_order,
           satisfaction_score AS value, satisfaction_score AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large')
    UNION ALL
    SELECT group_code, 'longest_handling' AS list, unit, short_name, overall_rank, roster_order,
           mean_handling_hours AS value, mean_handling_hours AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large') AND mean_handling_hours IS NOT NULL
    UNION ALL
    SELECT group_code, 'city_rework' AS list, unit, short_name, overall_rank, roster_order,
           city_rework_rate AS value, city_rework_rate AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large') AND city_rework_rate > 0
    UNION ALL
    SELECT group_code, 'resolution_rise' AS list, unit, short_name, overall_rank, roster_order,
           resolution_rate_mom AS value, resolution_rate_mom AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large') AND resolution_rate_mom > 0
    UNION ALL
    SELECT group_code, 'resolution_fall' AS list, unit, short_name, overall_rank, roster_order,
           resolution_rate_mom AS value, -resolution_rate_mom AS sort_key
    FROM scores WHERE group_code IN ('town', 'dept_large') AND resolution_rate_mom < 0
),
ordered AS (
    SELECT c.*,
           row_number() OVER (PARTITION BY c.group_code, c.list
                              ORDER BY c.sort_key DESC, c.overall_rank ASC NULLS LAST, c.roster_order ASC) AS n,
           count(*) OVER (PARTITION BY c.group_code, c.list) AS total
    FROM candidates AS c
),
picked AS (
    -- lists with a bottom: overall, resolution, satisfaction; the others are top lists only
    SELECT group_code, list || '_top' AS list_code, n AS position, unit, short_name, value
    FROM ordered WHERE list IN ('overall', 'resolution', 'satisfaction') AND n <= $top_n
    UNION ALL
    SELECT group_code, list || '_bottom' AS list_code, n - greatest(total - $top_n, 0) AS position,
           unit, short_name, value
    FROM ordered WHERE list IN ('overall', 'resolution', 'satisfaction') AND n > total - $top_n
    UNION ALL
    SELECT group_code, list, n, unit, short_name, value
    FROM ordered WHERE list NOT IN ('overall', 'resolution', 'satisfaction') AND n <= $top_n
)
SELECT
    $month AS month,
    group_code,
    list_code,
    position::INTEGER AS position,
    unit,
    short_name,
    value::DECIMAL(18, 4) AS value
FROM picked
ORDER BY group_code, list_code, position
