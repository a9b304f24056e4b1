-- mart.enterprise_scores for one month: table 4, one row per unit with enterprise assignments
-- (企业诉求来源 given). Parameters: $month, $points_ontime, $points_resolution,
-- $points_satisfaction, $no_callback_rate (exact decimal text), $tie_order (volume_desc | roster).
-- Each score is rate × points rounded to 2 decimals; 总得分 is the exact sum of the three
-- unrounded scores, rounded once (the seed prints 81.13 for 19.23 + 25.26 + 36.63: the rounded
-- parts would give 81.12). All arithmetic on whole numbers in units of 10^-8:
--   ontime       k × e4(points) × 10^4 / n
--   resolution   e4(credit sum) × e4(points) / callbacks
WITH roster AS (
    SELECT unit, short_name, unit_group, roster_order FROM ref.units WHERE month = $month
),
counts AS (
    SELECT
        a.unit,
        count(*)                                      AS volume,
        count(*) FILTER (WHERE a.completed_on_time)   AS completed_on_time_count,
        count(a.resolution_credit)                    AS resolution_callbacks,
        coalesce(sum(e4(a.resolution_credit)), 0)     AS resolution_credit_e4,
        count(a.satisfaction_credit)                  AS satisfaction_callbacks,
        coalesce(sum(e4(a.satisfaction_credit)), 0)   AS satisfaction_credit_e4
    FROM core.assignments AS a
    WHERE a.month = $month AND a.enterprise_source IS NOT NULL
    GROUP BY a.unit
),
terms AS (
    SELECT
        c.*,
        c.resolution_callbacks = 0   AS resolution_full_credit,
        c.satisfaction_callbacks = 0 AS satisfaction_full_credit,
        -- each score as a fraction num / den, in units of 10^-8
        c.completed_on_time_count::HUGEINT * e4($points_ontime) * 10000                                   AS o_num,
        c.volume::HUGEINT                                                                                  AS o_den,
        CASE WHEN c.resolution_callbacks = 0 THEN e4($no_callback_rate) ELSE c.resolution_credit_e4 END
            * e4($points_resolution)                                                                       AS r_num,
        greatest(c.resolution_callbacks, 1)::HUGEINT                                                       AS r_den,
        CASE WHEN c.satisfaction_callbacks = 0 THEN e4($no_callback_rate) ELSE c.satisfaction_credit_e4 END
            * e4($points_satisfaction)                                                                     AS s_num,
        greatest(c.satisfaction_callbacks, 1)::HUGEINT                                                     AS s_den
    FROM counts AS c
),
scored AS (
    SELECT
        t.*,
        round4_ratio(t.completed_on_time_count, t.volume)           AS ontime_rate,
        round2_ratio(t.o_num, t.o_den * 100000000)                  AS ontime_score,
        round2_ratio(t.r_num, t.r_den * 100000000)                  AS resolution_score,
        round2_ratio(t.s_num, t.s_den * 100000000)                  AS satisfaction_score,
        round2_ratio(t.o_num * t.r_den * t.s_den + t.r_num * t.o_den * t.s_den + t.s_num * t.o_den * t.r_den,
                     t.o_den * t.r_den * t.s_den * 100000000)       AS total_score
    FROM terms AS t
),
ranked AS (
    SELECT
        s.*,
        r.short_name, r.unit_group, r.roster_order,
        rank() OVER (ORDER BY s.total_score DESC) AS rank
    FROM scored AS s
    INNER JOIN roster AS r USING (unit)
)
SELECT
    $month AS month,
    k.unit,
    k.volume::BIGINT AS volume,
    k.ontime_rate,
    k.ontime_score,
    round4_ratio(CASE WHEN k.resolution_callbacks = 0 THEN e4($no_callback_rate) ELSE k.resolution_credit_e4 END,
                 greatest(k.resolution_callbacks, 1) * 10000) AS resolution_rate,
    k.resolution_score,
    round4_ratio(CASE WHEN k.satisfaction_callbacks = 0 THEN e4($no_callback_rate) ELSE k.satisfaction_credit_e4 END,
                 greatest(k.satisfaction_callbacks, 1) * 10000) AS satisfaction_rate,
    k.satisfaction_score,
    k.total_score,
    k.rank::INTEGER AS rank,
    -- beyond the contract
    k.short_name,
    k.unit_group,
    k.roster_order,
    row_number() OVER (ORDER BY k.rank,
                       CASE WHEN $tie_order = 'volume_desc' THEN -k.volume ELSE 0 END,
                       k.roster_order)::INTEGER AS list_order,
    k.resolution_full_credit,
    k.satisfaction_full_credit,
    k.completed_on_time_count::BIGINT AS completed_on_time_count,
    k.resolution_callbacks::BIGINT AS resolution_callbacks,
    k.satisfaction_callbacks::BIGINT AS satisfaction_callbacks
FROM ranked AS k
ORDER BY list_order
