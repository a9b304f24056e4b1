-- core.order_texts for one month: each order with 诉求内容, the number of its masked text among the
-- month's distinct texts (hotline/text text_terms, registered as `order_texts`: order_id, text) and
-- its caller. Runs after core.orders is written; core.text_terms (sql/core_text_terms.sql) holds
-- each text's terms.
--
-- A caller is the keyed hash of 联系电话 (core.orders.caller_hash), else a keyed hash of 来电人
-- (registered as `order_callers`: order_id, caller_name); an order with neither has no caller and
-- adds to no caller count (a repeat caller who gives nothing cannot pass for many).
WITH names AS (
    SELECT order_id, min(nullif(trim(caller_name), '')) AS caller_name
    FROM order_callers GROUP BY order_id
)
SELECT
    $month AS month,
    t.order_id,
    t.text,
    coalesce(o.caller_hash, 'n' || left(sha256($phone_key || ':name:' || n.caller_name), 23)) AS caller
FROM order_texts AS t
INNER JOIN core.orders AS o ON t.order_id = o.order_id AND o.month = $month
LEFT JOIN names AS n ON t.order_id = n.order_id
