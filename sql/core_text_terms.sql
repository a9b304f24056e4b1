-- core.text_terms for one month: the terms the ingest derived from each distinct masked 诉求内容
-- (hotline/text terms_of_texts, as numbers: registered as `text_term_pairs`: text, term_index, each
-- text's terms once; and `term_vocabulary`: term_index, term, kind), kept only when at least
-- $min_orders orders from at least $min_callers distinct callers of the month use them, so that a
-- rare token (a name or number the masking missed) never reaches the warehouse. Runs after
-- core.orders is written (each order's text and caller). Orders and terms meet on the integer text:
-- the counts per term are summed per distinct text.
WITH
orders AS (
    -- single_caller: the caller has no other order with text this month, so adds exactly one to the
    -- distinct callers of any term the order holds; DISTINCT is counted only over the other orders'
    -- callers (hashing every caller of every term was most of this query at 1M orders)
    SELECT text, caller, caller IS NOT NULL AND count(*) OVER (PARTITION BY caller) = 1 AS single_caller
    FROM core.orders WHERE month = $month AND text IS NOT NULL
),
text_orders AS (  -- per distinct text: its orders, and those of single callers
    SELECT text, count(*) AS orders, count(*) FILTER (WHERE single_caller) AS single_callers
    FROM orders GROUP BY text
),
term_orders AS (  -- a text names a term once (hotline/text), so its orders count the term's orders
    SELECT t.term_index, sum(x.orders) AS orders, sum(x.single_callers) AS single_callers
    FROM text_term_pairs AS t INNER JOIN text_orders AS x USING (text)
    GROUP BY t.term_index
),
repeat_callers AS (
    SELECT t.term_index, count(DISTINCT o.caller) AS callers
    FROM orders AS o INNER JOIN text_term_pairs AS t USING (text)
    WHERE NOT o.single_caller AND o.caller IS NOT NULL
    GROUP BY t.term_index
),
support AS (
    SELECT term_index FROM term_orders AS o LEFT JOIN repeat_callers AS r USING (term_index)
    WHERE o.orders >= $min_orders AND o.single_callers + coalesce(r.callers, 0) >= $min_callers
),
-- reference/aspects.csv's keywords found in the text are kept for every text: the analyst's words
-- (they decide the order's aspect), not the citizen's
kept AS (
    SELECT term_index, term, kind FROM term_vocabulary
    WHERE kind = 'keyword' OR term_index IN (SELECT s.term_index FROM support AS s)
)
SELECT $month AS month, t.text, k.term, k.kind
FROM text_term_pairs AS t INNER JOIN kept AS k USING (term_index)
