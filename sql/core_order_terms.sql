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
terms AS (
    SELECT t.order_id, t.term, t.kind, c.caller
    FROM order_terms_new AS t JOIN callers AS c USING (order_id)
),
support AS (      -- an order names a term once (hotline/text), so its rows count orders
    SELECT term
    FROM terms WHERE kind <> 'keyword' GROUP BY term
    HAVING count(*) >= $min_orders AND count(DISTINCT caller) >= $min_callers
)
SELECT $month AS month, order_id, term, kind, caller
FROM terms SEMI JOIN support USING (term)
WHERE kind <> 'keyword'
UNION ALL
-- reference/aspects.csv's keywords found in the text: the analyst's words, kept for every order
-- (they decide the order's aspect), not the citizen's
SELECT $month, order_id, term, kind, caller FROM terms WHERE kind = 'keyword' 
