-- core.order_terms for one month: the terms the ingest derived from 诉求内容 (hotline/text
-- text_terms, registered as `order_texts`: order_id, text, the index of the order's masked text; and
-- `text_terms`: text, term, kind, each distinct text's terms once) kept only when at least
-- $min_orders orders from at least $min_callers distinct callers of the month use them, so that a
-- rare token (a name or number the masking missed) never reaches the warehouse. Runs after
-- core.assignments is written. Orders and terms meet on the integer text index: the counts per
-- term are summed per distinct text, and only the stored rows are expanded to orders.
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
orders AS (      -- each order with text: its text and caller
    SELECT o.order_id, o.text, c.caller, c.single_caller
    FROM order_texts AS o INNER JOIN callers_counted AS c USING (order_id)
),
text_orders AS (  -- per distinct text: its orders, and those of single callers
    SELECT text, count(*) AS orders, count(*) FILTER (WHERE single_caller) AS single_callers
    FROM orders GROUP BY text
),
term_orders AS (  -- a text names a term once (hotline/text), so its orders count the term's orders
    SELECT t.term, sum(x.orders) AS orders, sum(x.single_callers) AS single_callers
    FROM text_terms AS t INNER JOIN text_orders AS x USING (text)
    WHERE t.kind <> 'keyword' GROUP BY t.term
),
repeat_callers AS (
    SELECT t.term, count(DISTINCT o.caller) AS callers
    FROM orders AS o INNER JOIN text_terms AS t USING (text)
    WHERE t.kind <> 'keyword' AND NOT o.single_caller AND o.caller IS NOT NULL
    GROUP BY t.term
),
support AS (
    SELECT term FROM term_orders AS o LEFT JOIN repeat_callers AS r USING (term)
    WHERE o.orders >= $min_orders AND o.single_callers + coalesce(r.callers, 0) >= $min_callers
),
kept AS (         -- reference/aspects.csv's keywords found in the text: the analyst's words, kept for
                  -- every order (they decide the order's aspect), not the citizen's
    SELECT text, term, kind FROM text_terms
    WHERE kind = 'keyword' OR term IN (SELECT s.term FROM support AS s)
)
SELECT $month AS month, o.order_id, k.term, k.kind, o.caller
FROM orders AS o INNER JOIN kept AS k USING (text)
