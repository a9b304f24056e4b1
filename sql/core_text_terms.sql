-- core.text_terms for one month: the terms the ingest derived from each distinct masked 诉求内容
-- (hotline/text text_terms, registered as `text_terms`: text, term, kind, each text's terms once),
-- kept only when at least $min_orders orders from at least $min_callers distinct callers of the
-- month use them, so that a rare token (a name or number the masking missed) never reaches the
-- warehouse. Runs after core.orders is written (each order's text and caller). Orders and terms
-- meet on the integer text: the counts per term are summed per distinct text.
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
)
-- reference/aspects.csv's keywords found in the text are kept for every text: the analyst's words
-- (they decide the order's aspect), not the citizen's
SELECT $month AS month, text, term, kind FROM text_terms
WHERE kind = 'keyword' OR term IN (SELECT s.term FROM support AS s)
