-- The warehouse's tables. Every table carries `month` (YYYY-MM); a month is written by
-- delete-then-insert in one transaction. Columns named in spec/contract.md come first.
CREATE SCHEMA IF NOT EXISTS ref;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;

-- Reference data in force for a month ------------------------------------------------------
CREATE TABLE IF NOT EXISTS ref.rules (
    month VARCHAR NOT NULL,
    rules_json VARCHAR NOT NULL,          -- the effective rules.yaml, defaults merged
    source VARCHAR NOT NULL               -- 'defaults' or the override file
);
CREATE TABLE IF NOT EXISTS ref.months (
    month VARCHAR NOT NULL,
    window_start DATE NOT NULL,
    window_end DATE NOT NULL,             -- inclusive
    days INTEGER NOT NULL,
    source VARCHAR NOT NULL               -- 'calendar.csv' or 'default rule'
);
CREATE TABLE IF NOT EXISTS ref.units (
    month VARCHAR NOT NULL,
    roster_order INTEGER NOT NULL,        -- row of units.csv: the order of ties
    unit VARCHAR NOT NULL,
    short_name VARCHAR NOT NULL,          -- 简称, or the name itself
    roster_group VARCHAR NOT NULL,        -- 镇街园区 / 区直国企 as written
    unit_group VARCHAR NOT NULL,          -- town / dept
    primary_leader VARCHAR,
    deputy_leader VARCHAR,
    aliases VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS ref.hotspots (
    month VARCHAR NOT NULL,
    hotspot VARCHAR NOT NULL,
    sub_hotspot VARCHAR,                  -- NULL: the prefix counts for the hotspot only
    prefix VARCHAR NOT NULL,              -- 诉求分类 path prefix, whole levels
    hotspot_order INTEGER NOT NULL        -- row of hotspots.csv
);

-- Core: the month's validated facts --------------------------------------------------------
CREATE TABLE IF NOT EXISTS core.assignments (
    month VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,                -- roster name (aliases resolved)
    unit_group VARCHAR NOT NULL,          -- town / dept (the roster's group; dept_large/small is decided
                                          -- in mart.unit_scores)
    received_at TIMESTAMP NOT NULL,
    channel VARCHAR NOT NULL,
    request_type VARCHAR NOT NULL,
    category_path VARCHAR NOT NULL,
    hotspot VARCHAR NOT NULL,             -- longest matching prefix; the unmatched label otherwise
    sub_hotspot VARCHAR,
    address VARCHAR,                      -- 诉求地址 with phone and ID numbers masked
    dispatched_at TIMESTAMP NOT NULL,
    signed_at TIMESTAMP,
    completed_at TIMESTAMP,
    responded_on_time BOOLEAN NOT NULL,
    completed_on_time BOOLEAN NOT NULL,
    resolution_credit DECIMAL(9, 4),      -- NULL: no callback result
    satisfaction_credit DECIMAL(9, 4),    -- NULL: no callback result
    city_rework BOOLEAN NOT NULL,
    city_overdue BOOLEAN NOT NULL,
    enterprise_source VARCHAR,
    fast_track BOOLEAN NOT NULL,
    arrived_at TIMESTAMP,
    onsite_meeting VARCHAR,
    source_file VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,           -- row in the file as Excel shows it (header = 1)
    unit_as_written VARCHAR NOT NULL,
    resolution_result VARCHAR,            -- 解决情况 as written
    satisfaction_result VARCHAR,          -- 满意度 as written (label or number)
    caller_hash VARCHAR,                  -- keyed hash of 联系电话; the key lives outside the data folder
    flag_signed_before_dispatch BOOLEAN NOT NULL,
    flag_completed_before_dispatch BOOLEAN NOT NULL,
    flag_fast_close BOOLEAN NOT NULL,
    flag_callback_while_open BOOLEAN NOT NULL
);
-- One row per distinct order of a loaded month (sql/core_orders.sql): what the marts count
-- orders by, grouped once from core.assignments and written in the same transaction.
CREATE TABLE IF NOT EXISTS core.orders (
    month VARCHAR NOT NULL,
    order_id VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,       -- the earliest of its assignments
    channel VARCHAR NOT NULL,
    request_type VARCHAR NOT NULL,
    category_path VARCHAR NOT NULL,
    hotspot VARCHAR NOT NULL,             -- under the month's own taxonomy, as core.assignments
    sub_hotspot VARCHAR,
    enterprise_source VARCHAR,            -- NULL: not an enterprise order
    address VARCHAR,                      -- the first non-empty 诉求地址 (masked), trimmed
    caller_hash VARCHAR,                  -- keyed hash of 联系电话
    unit_groups VARCHAR[] NOT NULL,       -- the groups (town / dept) of the units it was assigned to
    city_overdue BOOLEAN NOT NULL,        -- any assignment overdue by the city's count
    assignments BIGINT NOT NULL,
    caller VARCHAR,                       -- the order's caller: caller_hash, else a keyed hash of 来电人; NULL if neither
    text INTEGER                          -- its masked 诉求内容, numbered within the month (core.text_terms); NULL: none
);
CREATE TABLE IF NOT EXISTS core.rejected_rows (
    month VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,
    column_name VARCHAR NOT NULL,         -- the faulty column(s), 、-separated
    value VARCHAR,
    reason VARCHAR NOT NULL,
    fault BOOLEAN NOT NULL                -- false: not a fault, replaced by another export's row (same order, unit)
);
CREATE TABLE IF NOT EXISTS core.export_files (
    month VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    encoding VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    rows_in BIGINT NOT NULL,
    rows_stored BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    rows_replaced BIGINT NOT NULL,
    extra_columns VARCHAR[] NOT NULL
);
-- Re-exports decided by content: rows of other files this file's rows replaced, and this file's
-- rows in a true conflict (kept or not). Added to warehouses made before them.
ALTER TABLE core.export_files ADD COLUMN IF NOT EXISTS rows_replacing BIGINT DEFAULT 0;
ALTER TABLE core.export_files ADD COLUMN IF NOT EXISTS rows_in_conflict BIGINT DEFAULT 0;
CREATE TABLE IF NOT EXISTS core.adjustments (
    month VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,                -- roster name, or the name as written when unknown
    unit_as_written VARCHAR NOT NULL,
    in_roster BOOLEAN NOT NULL,           -- false fails a blocking check
    deduction DECIMAL(9, 2) NOT NULL,     -- 减分项 (≤ 0)
    quality_bonus DECIMAL(9, 2) NOT NULL, -- 质效 (≥ 0)
    sampling_rank INTEGER,                -- 抽测排名; NULL for dept_small
    source_file VARCHAR NOT NULL,
    source_row BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS core.city_assessment (
    month VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,           -- 响应率 / 按时办理率 / 诉求解决率 / 综合满意率
    value_pct DECIMAL(9, 2) NOT NULL
);

-- A month is all or nothing: what its last attempt did, and the faults that blocked it ------------
CREATE TABLE IF NOT EXISTS core.month_loads (
    month VARCHAR NOT NULL,
    state VARCHAR NOT NULL,               -- loaded / blocked / failed (of the last attempt)
    attempted_at TIMESTAMP NOT NULL,
    loaded_at TIMESTAMP,                  -- the last good load, kept across blocked and failed attempts
    rows_in BIGINT,                       -- counts of the last attempt (NULL when it failed before reading)
    rows_stored BIGINT,
    rows_rejected BIGINT,
    rows_replaced BIGINT,
    faults BIGINT,                        -- blocking faults of the last attempt
    reason VARCHAR                        -- why it was blocked or failed
);
CREATE TABLE IF NOT EXISTS core.blocked_faults (
    month VARCHAR NOT NULL,
    source_file VARCHAR NOT NULL,
    row_number BIGINT NOT NULL,           -- as Excel numbers it (header = 1); 0 for the file as a whole
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);
-- The terms of 诉求内容 (hotline/text: masked, segmented), stored per distinct masked text of the
-- month: core.orders.text gives each order its text, core.text_terms each text its terms, and the
-- view core.order_terms (sql/core_order_terms.sql, created by hotline/warehouse.py prepare) joins
-- them into one row per order and term. Only the terms that at least text.min_orders orders from
-- text.min_callers distinct callers of the month use are stored: the raw text and any rare token (a
-- name the masking missed) never get here. Per text rather than per order: a month's orders repeat
-- texts and every order holds several terms, so (order, term) rows of strings were the ingest's
-- largest write (BENCHMARKS.md).
CREATE TABLE IF NOT EXISTS core.text_terms (
    month VARCHAR NOT NULL,
    text INTEGER NOT NULL,                -- core.orders.text
    term VARCHAR NOT NULL,
    kind VARCHAR NOT NULL                 -- 'term' (what people report), 'place' (a place named in the text) or
                                          -- 'keyword' (one of reference/aspects.csv's keywords the text holds)
);
-- reference/aspects.csv for a month (optional; hotline/reference.py load_aspects): written by ref/aspects, read by the
-- macro order_aspects. Created here so that a data folder without the file reads an empty table.
CREATE TABLE IF NOT EXISTS ref.aspects (
    month VARCHAR NOT NULL,
    hotspot VARCHAR NOT NULL,
    aspect VARCHAR NOT NULL,
    prefix VARCHAR,                       -- NULL: any path of the hotspot
    keywords VARCHAR[] NOT NULL,          -- empty: any order
    aspect_order INTEGER NOT NULL         -- row of aspects.csv: the first matching row wins
);
