-- core.order_terms for one month: the terms the ingest derived from 诉求内容 (registered as
-- `order_terms_new`: order_id, term, kind) kept only when at least $min_orders orders from at
-- least $min_callers distinct callers of the month use them, so that a rare token (a name or
-- number the masking missed) never reaches the warehouse. Runs after core.assignments is written.
--
-- A caller is the keyed hash of 联系电话 (core.assignments.caller_hash), else a keyed hash of
-- 来电人 (registered as `order_callers`: order_id, caller_name); an order with neither has no
-- caller and adds to no caller count (a repeat caller who gives nothing cannot pass for many).
WITH
phones AS (
    SELECT order_id, min(caller_hash) AS caller
    FROM core.assignments WHERE month = $month
    GROUP BY order_id
),
names AS (
    SELECT order_id, min(nullif(trim(caller_name), '')) AS caller_name
    FROM order_callers GROUP BY order_id
),
callers AS (
    SELECT p.order_id,
           coalesce(p.caller, 'n' || left(sha256($phone_key || ':name:' || n.caller_name), 23)) AS caller
    FROM phones AS p LEFT JOIN names AS n USING (order_id)
),
callers_counted AS (
    -- single_caller: the caller has no other order this month, so adds exactly one to the distinct
    -- callers of any term the order holds; DISTINCT is counted only over the other orders' callers
    -- (hashing every caller of every term was most of this query at 1M orders)
    SELECT *, caller IS NOT NULL AND count(*) OVER (PARTITION BY caller) = 1 AS single_caller FROM callers
),
terms AS (
    SELECT t.order_id, t.term, t.kind, c.caller, c.single_caller
    FROM order_terms_new AS t JOIN callers_counted AS c USING (order_id)
),
term_orders AS (  -- an order names a term once (hotline/text), so its rows count orders
    SELECT term, count(*) AS orders, count(*) FILTER (WHERE single_caller) AS single_callers
    FROM terms WHERE kind <> 'keyword' GROUP BY term
),
repeat_callers AS (
    SELECT term, count(DISTINCT caller) AS callers
    FROM terms WHERE kind <> 'keyword' AND NOT single_caller AND caller IS NOT NULL GROUP BY term
),
support AS (
    SELECT term FROM term_orders LEFT JOIN repeat_callers USING (term)
    WHERE orders >= $min_orders AND single_callers + coalesce(callers, 0) >= $min_callers
)
SELECT $month AS month, order_id, term, kind, caller
FROM terms SEMI JOIN support USING (term)
WHERE kind <> 'keyword'
UNION ALL
-- reference/aspects.csv's keywords found in the text: the analyst's words, kept for every order
-- (they decide the order's aspect), not the citizen's
SELECT $month, order_id, term, kind, caller FROM terms WHERE kind = 'keyword'
