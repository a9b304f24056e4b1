-- mart.hotspot_terms: the words people use, per named hotspot (aspect '') and per aspect, and for
-- the enterprise orders (hotspot $enterprise_label, aspect '': section 四): the terms of 诉求内容
-- (core.text_terms of the orders' texts, kind 'term') most distinctive of the group's orders against
-- the rest of the month.
--
-- Why log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008) rather than raw
-- frequency or TF-IDF: frequency ranks the formulaic words every order has first, and TF-IDF
-- favours rare words, so a term three orders use can top a hotspot of two thousand. The z-score of
-- the log-odds ratio, smoothed by the month's own term counts, rewards a term that is both frequent
-- in the group and over-represented against the rest, with a variance that discounts small counts.
-- Counts are orders (document frequency), not occurrences: one long text repeating a word counts once.
--   y_g, y_r: orders of the group / of the rest of the month using the term; n_g, n_r: the sums
--   of y over all terms; α = $prior_weight × (the month's orders using the term), α0 = Σ α;
--   δ = ln((y_g+α)/(n_g+α0−y_g−α)) − ln((y_r+α)/(n_r+α0−y_r−α)), score = δ / sqrt(1/(y_g+α) + 1/(y_r+α)).
-- Kept: score > 0, at least $min_orders orders and $min_callers distinct callers within the group,
-- and not part of a place the month's 诉求地址 names (places are listed with the aspects); the best
-- $terms_per_aspect per group by score (ties: more orders, then the term).
WITH
enterprise AS (
    SELECT DISTINCT order_id FROM core.assignments WHERE month = $month AND enterprise_source IS NOT NULL
),
orders AS (      -- the month's orders with text: their text (core.orders.text) and group
    SELECT o.text, o.hotspot, o.aspect, o.caller, o.single_caller, o.unmatched,
           e.order_id IS NOT NULL AS enterprise
    FROM month_order_aspects AS o     -- the month's order_aspects (sql/month_order_aspects.sql)
    LEFT JOIN enterprise AS e ON o.order_id = e.order_id
    WHERE o.month = $month AND o.text IS NOT NULL
),
addresses AS (
    SELECT DISTINCT trim(address) AS address FROM core.assignments
    WHERE month = $month AND nullif(trim(address), '') IS NOT NULL
),
candidate_terms AS (
    SELECT DISTINCT term FROM core.text_terms AS t
    WHERE month = $month AND kind = 'term'
      AND NOT EXISTS (SELECT 1 FROM addresses AS a WHERE contains(a.address, t.term))
),
text_candidates AS (  -- a text names a term once (hotline/text); texts and terms per text (core.text_terms)
    SELECT t.text, t.term FROM core.text_terms AS t SEMI JOIN candidate_terms USING (term)
    WHERE t.month = $month AND t.kind = 'term'
),
-- Counted per text first: the orders of a group that share a text share its terms, so each text's
-- orders are summed per group before its terms are joined (a row per order and term was most of this
-- query at 1M orders). Distinct callers per group and term = the orders of single callers (a
-- caller's only order this month adds one to any group holding it) + the distinct callers among the
-- other orders, the only ones expanded to a row per order and term.
text_groups AS (  -- per text and group: its orders, and those of single callers
    SELECT text, hotspot, aspect, unmatched, enterprise, count(*) AS orders,
           count(*) FILTER (WHERE single_caller) AS single_callers
    FROM orders GROUP BY ALL
),
tagged AS (       -- each (text, group, term) with its order counts: one join for every group
    SELECT g.hotspot, g.aspect, g.unmatched, g.enterprise, g.orders, g.single_callers, t.term
    FROM text_candidates AS t INNER JOIN text_groups AS g USING (text)
),
month_df AS (SELECT term, sum(orders) AS df FROM tagged GROUP BY term),
month_total AS (SELECT sum(df) AS n FROM month_df),
group_counts AS ( -- each order in its hotspot (aspect '') and in its aspect; enterprise orders as one more group
    SELECT FALSE AS enterprise_group, hotspot, coalesce(aspect, '') AS aspect, term, sum(orders) AS y_g,
           sum(single_callers) AS single_callers
    FROM tagged WHERE NOT unmatched
    GROUP BY GROUPING SETS ((hotspot, aspect, term), (hotspot, term))
    UNION ALL
    SELECT TRUE AS enterprise_group, $enterprise_label AS hotspot, '' AS aspect, term, sum(orders) AS y_g,
           sum(single_callers) AS single_callers
    FROM tagged WHERE enterprise
    GROUP BY term
),
repeat_tagged AS (  -- the orders of repeat callers, one row per order and term
    SELECT o.hotspot, o.aspect, o.unmatched, o.enterprise, o.caller, t.term
    FROM text_candidates AS t
    INNER JOIN orders AS o USING (text)
    WHERE NOT o.single_caller AND o.caller IS NOT NULL
),
repeat_callers AS (
    SELECT FALSE AS enterprise_group, hotspot, coalesce(aspect, '') AS aspect, term,
           count(DISTINCT caller) AS callers
    FROM repeat_tagged WHERE NOT unmatched
    GROUP BY GROUPING SETS ((hotspot, aspect, term), (hotspot, term))
    UNION ALL
    SELECT TRUE AS enterprise_group, $enterprise_label AS hotspot, '' AS aspect, term,
           count(DISTINCT caller) AS callers
    FROM repeat_tagged WHERE enterprise
    GROUP BY term
),
group_df AS (
    SELECT c.hotspot, c.aspect, c.term, c.y_g, c.single_callers + coalesce(r.callers, 0) AS callers
    FROM group_counts AS c LEFT JOIN repeat_callers AS r USING (enterprise_group, hotspot, aspect, term)
),
group_total AS (SELECT hotspot, aspect, sum(y_g) AS n_g FROM group_df GROUP BY hotspot, aspect),
scored AS (
    SELECT d.hotspot, d.aspect, d.term, d.y_g AS orders, d.callers,
           d.y_g::DOUBLE AS y_g, (m.df - d.y_g)::DOUBLE AS y_r,
           g.n_g::DOUBLE AS n_g, (t.n - g.n_g)::DOUBLE AS n_r,
           $prior_weight * m.df AS alpha, $prior_weight * t.n AS alpha0
    FROM group_df AS d
    INNER JOIN group_total AS g USING (hotspot, aspect)
    INNER JOIN month_df AS m USING (term)
    CROSS JOIN month_total AS t
),
z AS (
    SELECT *,
           (ln((y_g + alpha) / (n_g + alpha0 - y_g - alpha)) - ln((y_r + alpha) / (n_r + alpha0 - y_r - alpha)))
           / sqrt(1.0 / (y_g + alpha) + 1.0 / (y_r + alpha)) AS z
    FROM scored
),
kept AS (
    SELECT *, row_number() OVER (PARTITION BY hotspot, aspect ORDER BY z DESC, orders DESC, term ASC) AS position
    FROM z
    WHERE z > 0 AND orders >= $min_orders AND callers >= $min_callers
)
SELECT $month AS month, hotspot, aspect, term, orders, callers, round(z, 2) AS score, position AS rank
FROM kept
WHERE position <= $terms_per_aspect
ORDER BY hotspot, aspect, rank
