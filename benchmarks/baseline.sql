-- The hand-written baseline: the marts the pipeline builds for one month (overview, channel
-- counts, request-type shares, hotspots with 环比/同比, unit scores), computed by one DuckDB
-- script straight from the CSV exports, with none of the pipeline's machinery (no Dagster, no
-- pandera, no per-file fault reports, no personal-data masking, no report). It is what the
-- pipeline's cost is measured against: benchmarks/run.py substitutes {data}, {month},
-- {last_month}, {last_year} and the rules' points, and runs it in a fresh process.
CREATE TEMP TABLE raw AS
SELECT regexp_extract(filename, 'months/(\d{{4}}-\d{{2}})/', 1) AS month, filename, 工单编号, 受理时间, 受理渠道,
       诉求类型, 诉求分类, 承办单位, 派单时间, 办结时间, 是否按时签收, 是否按时办结, 解决情况, 满意度, 是否市重办,
       是否市到期未按时回复, 企业诉求来源
FROM read_csv('{data}/months/*/exports/*.csv', all_varchar = true, filename = true, union_by_name = true)
WHERE regexp_extract(filename, 'months/(\d{{4}}-\d{{2}})/', 1) IN ('{month}', '{last_month}', '{last_year}');

CREATE TEMP TABLE units AS
SELECT 单位名称 AS unit, 分组 AS unit_group, row_number() OVER () AS roster_order
FROM read_csv('{data}/reference/units.csv', all_varchar = true);
CREATE TEMP TABLE unit_names AS
SELECT unit AS name, unit FROM units
UNION
SELECT trim(alias), u.unit
FROM read_csv('{data}/reference/units.csv', all_varchar = true) AS r, unnest(string_split(coalesce(r.别名, ''), ';')) AS t(alias)
JOIN units AS u ON u.unit = r.单位名称
WHERE trim(alias) <> '';
CREATE TEMP TABLE taxonomy AS
SELECT 热点问题 AS hotspot, nullif(子类, '') AS sub_hotspot, 诉求分类前缀 AS prefix, row_number() OVER () AS hotspot_order
FROM read_csv('{data}/reference/hotspots.csv', all_varchar = true);

-- assignments: the newest file's row per (month, order, unit), dates parsed, units resolved
CREATE TEMP TABLE a AS
SELECT r.month, r.工单编号 AS order_id, n.unit, u.unit_group,
       strptime(r.受理时间, '%Y-%m-%d %H:%M:%S') AS received_at, r.受理渠道 AS channel, r.诉求类型 AS request_type,
       r.诉求分类 AS category_path, strptime(r.派单时间, '%Y-%m-%d %H:%M:%S') AS dispatched_at,
       try_strptime(r.办结时间, '%Y-%m-%d %H:%M:%S') AS completed_at,
       r.是否按时签收 = '是' AS responded_on_time, r.是否按时办结 = '是' AS completed_on_time,
       CASE r.解决情况 WHEN '已解决' THEN 1.0 WHEN '基本解决' THEN 0.8 WHEN '未解决' THEN 0.0 END AS resolution_credit,
       CASE r.满意度 WHEN '非常满意' THEN 1.0 WHEN '满意' THEN 1.0 WHEN '基本满意' THEN 0.8 WHEN '不满意' THEN 0.0
            ELSE try_cast(r.满意度 AS DOUBLE) / 100 END AS satisfaction_credit,
       coalesce(r.是否市重办 = '是', false) AS city_rework, coalesce(r.是否市到期未按时回复 = '是', false) AS city_overdue,
       nullif(r.企业诉求来源, '') AS enterprise_source
FROM raw AS r
JOIN unit_names AS n ON n.name = r.承办单位
JOIN units AS u ON u.unit = n.unit
QUALIFY row_number() OVER (PARTITION BY r.month, r.工单编号, n.unit ORDER BY r.filename DESC) = 1;

CREATE TEMP TABLE orders AS
SELECT month, order_id, any_value(channel) AS channel, any_value(request_type) AS request_type,
       any_value(category_path) AS category_path, bool_or(unit_group = '镇街园区') AS by_town,
       bool_or(unit_group <> '镇街园区') AS by_dept, bool_or(enterprise_source IS NOT NULL) AS enterprise,
       bool_or(city_overdue) AS city_overdue
FROM a GROUP BY month, order_id;

-- hotspots: the longest matching prefix of every distinct path
CREATE TEMP TABLE mapped AS
SELECT p.category_path, arg_max(t.hotspot, length(t.prefix) * 100000 - t.hotspot_order) AS hotspot,
       arg_max(t.sub_hotspot, length(t.prefix) * 100000 - t.hotspot_order) AS sub_hotspot
FROM (SELECT DISTINCT category_path FROM orders) AS p
LEFT JOIN taxonomy AS t ON p.category_path = t.prefix OR starts_with(p.category_path, t.prefix || '/')
GROUP BY p.category_path;

CREATE TEMP TABLE overview AS
SELECT '{month}' AS month,
       count(*) FILTER (WHERE month = '{month}') AS orders,
       count(*) FILTER (WHERE month = '{last_month}') AS orders_last_month,
       count(*) FILTER (WHERE month = '{last_year}') AS orders_last_year,
       round(100.0 * (count(*) FILTER (WHERE month = '{month}') - count(*) FILTER (WHERE month = '{last_year}'))
             / nullif(count(*) FILTER (WHERE month = '{last_year}'), 0), 2) AS yoy_pct,
       round(100.0 * (count(*) FILTER (WHERE month = '{month}') - count(*) FILTER (WHERE month = '{last_month}'))
             / nullif(count(*) FILTER (WHERE month = '{last_month}'), 0), 2) AS mom_pct,
       count(*) FILTER (WHERE month = '{month}' AND by_town) AS town_orders,
       count(*) FILTER (WHERE month = '{month}' AND by_dept) AS dept_orders,
       count(*) FILTER (WHERE month = '{month}' AND enterprise) AS enterprise_orders,
       count(*) FILTER (WHERE month = '{month}' AND city_overdue) AS city_overdue_orders,
       (SELECT round(avg(responded_on_time::INT), 4) FROM a WHERE month = '{month}') AS response_rate,
       (SELECT round(avg(completed_on_time::INT), 4) FROM a WHERE month = '{month}') AS ontime_rate,
       (SELECT round(avg(resolution_credit), 4) FROM a WHERE month = '{month}') AS resolution_rate,
       (SELECT round(avg(satisfaction_credit), 4) FROM a WHERE month = '{month}') AS satisfaction_rate
FROM orders;

CREATE TEMP TABLE channel_counts AS
SELECT channel, count(*) AS orders, round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct
FROM orders WHERE month = '{month}' GROUP BY channel;

CREATE TEMP TABLE request_type_shares AS
SELECT request_type, count(*) AS orders, round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct
FROM orders WHERE month = '{month}' GROUP BY request_type;

CREATE TEMP TABLE hotspots AS
WITH c AS (
    SELECT coalesce(m.hotspot, '其他') AS hotspot, m.sub_hotspot,
           count(*) FILTER (WHERE o.month = '{month}') AS orders,
           count(*) FILTER (WHERE o.month = '{last_month}') AS orders_last_month,
           count(*) FILTER (WHERE o.month = '{last_year}') AS orders_last_year
    FROM orders AS o JOIN mapped AS m USING (category_path)
    GROUP BY GROUPING SETS ((coalesce(m.hotspot, '其他')), (coalesce(m.hotspot, '其他'), m.sub_hotspot))
)
SELECT *, round(100.0 * orders / sum(orders) FILTER (WHERE sub_hotspot IS NULL) OVER (), 2) AS share_pct,
       round(100.0 * (orders - orders_last_month) / nullif(orders_last_month, 0), 2) AS mom_pct,
       round(100.0 * (orders - orders_last_year) / nullif(orders_last_year, 0), 2) AS yoy_pct,
       rank() OVER (PARTITION BY sub_hotspot IS NULL ORDER BY orders DESC) AS rank
FROM c;

CREATE TEMP TABLE unit_scores AS
WITH s AS (
    SELECT unit, any_value(unit_group) AS unit_group, count(*) AS volume,
           avg(responded_on_time::INT) AS response_rate, avg(completed_on_time::INT) AS ontime_rate,
           coalesce(avg(resolution_credit), 1.0) AS resolution_rate, coalesce(avg(satisfaction_credit), 1.0) AS satisfaction_rate,
           avg(date_diff('second', dispatched_at, completed_at)) / 3600 AS mean_handling_hours
    FROM a WHERE month = '{month}' GROUP BY unit
), adj AS (
    SELECT 单位名称 AS unit, try_cast(减分项 AS DECIMAL(9, 2)) AS deduction, try_cast(质效 AS DECIMAL(9, 2)) AS quality_bonus,
           try_cast(抽测排名 AS INT) AS sampling_rank
    FROM read_csv('{data}/months/{month}/adjustments.csv', all_varchar = true)
), scored AS (
    SELECT s.*, adj.sampling_rank,
           round(response_rate * {points_response}, 2) + round(ontime_rate * {points_ontime}, 2)
           + round(resolution_rate * {points_resolution}, 2) + round(satisfaction_rate * {points_satisfaction}, 2)
           + coalesce(adj.deduction, 0) AS assessment_score, coalesce(adj.quality_bonus, 0) AS quality_bonus
    FROM s LEFT JOIN adj USING (unit)
)
SELECT *, rank() OVER (PARTITION BY unit_group ORDER BY assessment_score DESC) AS assessment_rank,
       assessment_score + quality_bonus AS handling_score,
       rank() OVER (PARTITION BY unit_group ORDER BY assessment_score + quality_bonus DESC) AS handling_rank
FROM scored;
