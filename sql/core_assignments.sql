-- core.assignments for one month, from the month's validated export rows (registered by the
-- ingest asset as `staged_rows`) and the rules' credit maps (`credit_map`: kind, label, credit).
-- Personal data never gets here: 来电人 and 诉求内容 are not in staged_rows, 联系电话 arrives only
-- as a keyed hash, and 诉求地址 arrives masked (phone and ID numbers in any digit width, the
-- caller's name: hotline/contract/exports.py mask_address, the one place that rule lives).
WITH paths AS (
    SELECT category_path, hotspot_of(category_path, $month) AS match
    FROM (SELECT DISTINCT category_path FROM staged_rows) AS distinct_paths
)
SELECT
    $month AS month,
    s.order_id,
    s.unit,
    s.unit_group,
    s.received_at,
    s.channel,
    s.request_type,
    s.category_path,
    coalesce(p.match.hotspot, $unmatched_label) AS hotspot,
    p.match.sub_hotspot AS sub_hotspot,  -- a struct field, not schema.table.column -- noqa: AL09
    s.address,
    s.dispatched_at,
    s.signed_at,
    s.completed_at,
    s.responded_on_time = '是' AS responded_on_time,
    s.completed_on_time = '是' AS completed_on_time,
    -- A callback label without a credit never becomes an empty credit (it would leave the
    -- denominator): the schema rejects it first, and should one get here the insert fails.
    CASE WHEN s.resolution_result IS NULL THEN NULL
         ELSE coalesce(rc.credit,
                       error('解决情况 without a credit reached the warehouse: ' || s.source_file || ' row '
                             || s.source_row))
    END AS resolution_credit,
    CASE WHEN s.satisfaction_result IS NULL THEN NULL
         ELSE coalesce(sc.credit,
                       CAST(TRY_CAST(s.satisfaction_result AS DECIMAL(18, 6)) / $satisfaction_numeric_max
                            AS DECIMAL(9, 4)),
                       error('满意度 without a credit reached the warehouse: ' || s.source_file || ' row '
                             || s.source_row))
    END AS satisfaction_credit,
    s.city_rework = '是' AS city_rework,
    s.city_overdue = '是' AS city_overdue,
    s.enterprise_source,
    s.fast_track = '是' AS fast_track,
    s.arrived_at,
    s.onsite_meeting,
    s.source_file,
    s.source_row,
    s.unit_as_written,
    s.resolution_result,
    s.satisfaction_result,
    CASE WHEN s.caller_phone IS NOT NULL
         THEN left(sha256($phone_key || ':' || regexp_replace(s.caller_phone, '\D', '', 'g')), 24) END AS caller_hash,
    coalesce(s.signed_at < s.dispatched_at, FALSE) AS flag_signed_before_dispatch,
    coalesce(s.completed_at < s.dispatched_at, FALSE) AS flag_completed_before_dispatch,
    coalesce(s.completed_at >= s.dispatched_at
             AND s.completed_at < s.dispatched_at + to_minutes(CAST($fast_close_minutes AS BIGINT)),
             FALSE) AS flag_fast_close,
    s.completed_at IS NULL
    AND (s.resolution_result IS NOT NULL OR s.satisfaction_result IS NOT NULL) AS flag_callback_while_open
FROM staged_rows AS s
INNER JOIN paths AS p USING (category_path)  -- used as p.match.hotspot (a struct field) -- noqa: AL05
LEFT JOIN credit_map AS rc ON rc.kind = 'resolution' AND s.resolution_result = rc.label
LEFT JOIN credit_map AS sc ON sc.kind = 'satisfaction' AND s.satisfaction_result = sc.label
