-- mart.unit_scores for one month: tables 1–3 of the report, one row per ranked unit.
-- Parameters (all rule settings, bound by hotline/marts.py unit_scores_params; decimals bound as exact text):
--   $month, $prev_month, $dept_large_threshold,
--   $points_response, $points_ontime, $points_resolution, $points_satisfaction,
--   $no_callback_rate, $weight_handling, $weight_sampling
-- Every score is rounded once, half away from zero, from exact whole numbers: credits and points
-- are scaled to 1/10000 (e4), so rate × points = credit_e4 × points_e4 / (callbacks × 10^8).
-- A unit without any callback result for an indicator gets $no_callback_rate for it
-- (numerator e4(rate), denominator 1 callback) and is marked *_full_credit.
WITH roster AS (
    SELECT unit, short_name, unit_group, primary_leader, deputy_leader, roster_order
    FROM ref.units
    WHERE month = $month
),
counts AS (
    SELECT
        a.unit,
        count(*)                                                   AS volume,
        count(*) FILTER (WHERE a.responded_on_time)                AS responded_on_time_count,
        count(*) FILTER (WHERE a.completed_on_time)                AS completed_on_time_count,
        count(a.resolution_credit)                                 AS resolution_callbacks,
        coalesce(sum(e4(a.resolution_credit)), 0)                  AS resolution_credit_e4,
        count(a.satisfaction_credit)                               AS satisfaction_callbacks,
        coalesce(sum(e4(a.satisfaction_credit)), 0)                AS satisfaction_credit_e4,
        count(a.completed_at)                                      AS completed_count,
        sum(date_diff('second', a.dispatched_at, a.completed_at))  AS handling_seconds,
        count(*) FILTER (WHERE a.city_rework)                      AS city_rework_count
    FROM core.assignments AS a
    WHERE a.month = $month
    GROUP BY a.unit
),
previous AS (
    -- 解决率 of the previous assessment month, computed the same way from its assignments
    SELECT
        a.unit,
        CASE WHEN count(a.resolution_credit) = 0 THEN round4_ratio(e4($no_callback_rate), 10000)
             ELSE round4_ratio(sum(e4(a.resolution_credit)), count(a.resolution_credit) * 10000) END
            AS resolution_rate
    FROM core.assignments AS a
    WHERE a.month = $prev_month
    GROUP BY a.unit
),
adjusted AS (
    SELECT unit, deduction, quality_bonus, sampling_rank
    FROM core.adjustments
    WHERE month = $month AND in_roster
),
credited AS (
    SELECT
        c.*,
        r.short_name, r.unit_group, r.primary_leader, r.deputy_leader, r.roster_order,
        CASE WHEN r.unit_group = 'town' THEN 'town'
             WHEN c.volume >= $dept_large_threshold THEN 'dept_large'
             ELSE 'dept_small' END                                               AS group_code,
        c.resolution_callbacks = 0                                               AS resolution_full_credit,
        c.satisfaction_callbacks = 0                                             AS satisfaction_full_credit,
        CASE WHEN c.resolution_callbacks = 0 THEN e4($no_callback_rate) ELSE c.resolution_credit_e4 END AS res_num,
        greatest(c.resolution_callbacks, 1)                                      AS res_den,
        CASE WHEN c.satisfaction_callbacks = 0 THEN e4($no_callback_rate) ELSE c.satisfaction_credit_e4 END AS sat_num,
        greatest(c.satisfaction_callbacks, 1)                                    AS sat_den
    FROM counts AS c
    INNER JOIN roster AS r USING (unit)
),
scored AS (
    SELECT
        c.*,
        round4_ratio(c.responded_on_time_count, c.volume)                                 AS response_rate,
        round4_ratio(c.completed_on_time_count, c.volume)                                 AS ontime_rate,
        round4_ratio(c.res_num, c.res_den * 10000)                                        AS resolution_rate,
        round4_ratio(c.sat_num, c.sat_den * 10000)                                        AS satisfaction_rate,
        round2_ratio(c.responded_on_time_count * e4($points_response), c.volume * 10000)  AS response_score,
        round2_ratio(c.completed_on_time_count * e4($points_ontime), c.volume * 10000)    AS ontime_score,
        round2_ratio(c.res_num * e4($points_resolution), c.res_den * 100000000)           AS resolution_score,
        round2_ratio(c.sat_num * e4($points_satisfaction), c.sat_den * 100000000)         AS satisfaction_score,
        coalesce(j.deduction, 0)::DECIMAL(18, 2)                                          AS deduction,
        coalesce(j.quality_bonus, 0)::DECIMAL(18, 2)                                      AS quality_bonus,
        CASE WHEN c.group_code <> 'dept_small' THEN j.sampling_rank END                  AS sampling_rank,
        round2_ratio(c.handling_seconds, c.completed_count * 3600)                        AS mean_handling_hours,
        round4_ratio(c.city_rework_count, c.volume)                                       AS city_rework_rate
    FROM credited AS c
    LEFT JOIN adjusted AS j USING (unit)
),
totals AS (
    SELECT
        s.*,
        (s.response_score + s.ontime_score + s.resolution_score + s.satisfaction_score + s.deduction)::DECIMAL(18, 2)
            AS assessment_score,
        (s.response_score + s.ontime_score + s.resolution_score + s.satisfaction_score + s.deduction
         + s.quality_bonus)::DECIMAL(18, 2) AS handling_score
    FROM scored AS s
),
ranked AS (
    SELECT
        t.*,
        rank() OVER (PARTITION BY t.group_code ORDER BY t.assessment_score DESC) AS assessment_rank,
        rank() OVER (PARTITION BY t.group_code ORDER BY t.handling_score DESC)   AS handling_rank
    FROM totals AS t
),
weighted AS (
    -- 综合排名 key: handling_rank × w1 + sampling_rank × w2, exact in 1/10000 (NULL without 抽测排名)
    SELECT
        r.*,
        CASE WHEN r.group_code <> 'dept_small' AND r.sampling_rank IS NOT NULL
             THEN r.handling_rank * e4($weight_handling) + r.sampling_rank * e4($weight_sampling) END
            AS overall_key_e4
    FROM ranked AS r
),
overall AS (
    SELECT
        w.*,
        CASE WHEN w.group_code = 'dept_small' THEN w.handling_rank
             WHEN w.overall_key_e4 IS NULL THEN NULL
             ELSE rank() OVER (PARTITION BY w.group_code, w.overall_key_e4 IS NULL ORDER BY w.overall_key_e4) END
            AS overall_rank
    FROM weighted AS w
)
SELECT
    $month AS month,
    o.group_code,
    o.unit,
    o.primary_leader,
    o.deputy_leader,
    o.volume::BIGINT AS volume,
    o.response_rate,
    o.ontime_rate,
    o.resolution_rate,
    o.satisfaction_rate,
    o.response_score,
    o.ontime_score,
    o.resolution_score,
    o.satisfaction_score,
    o.deduction,
    o.assessment_score,
    o.assessment_rank::INTEGER AS assessment_rank,
    o.quality_bonus,
    o.handling_score,
    o.handling_rank::INTEGER AS handling_rank,
    o.sampling_rank::INTEGER AS sampling_rank,
    o.overall_rank::INTEGER AS overall_rank,
    o.mean_handling_hours,
    o.city_rework_rate,
    (o.resolution_rate - p.resolution_rate)::DECIMAL(18, 4) AS resolution_rate_mom,
    -- beyond the contract: names, order, flags and the counts behind every rate
    o.short_name,
    o.roster_order,
    row_number() OVER (PARTITION BY o.group_code
                       ORDER BY o.overall_rank NULLS LAST, o.handling_rank, o.roster_order)::INTEGER AS list_order,
    o.resolution_full_credit,
    o.satisfaction_full_credit,
    (o.overall_key_e4::DECIMAL(18, 0) * 0.0001::DECIMAL(5, 4))::DECIMAL(18, 4) AS overall_key,
    p.resolution_rate AS resolution_rate_prev,
    o.responded_on_time_count::BIGINT AS responded_on_time_count,
    o.completed_on_time_count::BIGINT AS completed_on_time_count,
    o.resolution_callbacks::BIGINT AS resolution_callbacks,
    (o.resolution_credit_e4::DECIMAL(18, 0) * 0.0001::DECIMAL(5, 4))::DECIMAL(18, 4) AS resolution_credit_sum,
    o.satisfaction_callbacks::BIGINT AS satisfaction_callbacks,
    (o.satisfaction_credit_e4::DECIMAL(18, 0) * 0.0001::DECIMAL(5, 4))::DECIMAL(18, 4) AS satisfaction_credit_sum,
    o.completed_count::BIGINT AS completed_count,
    o.city_rework_count::BIGINT AS city_rework_count
FROM overall AS o
LEFT JOIN previous AS p USING (unit)
ORDER BY o.group_code, list_order
