-- The view core.order_terms: one row per order and stored term of its 诉求内容 (kind 'term', 'place'
-- or 'keyword'), with the order's caller. What the macros and marts read; the ingest stores the
-- terms per distinct text (core.orders.text, core.text_terms in sql/warehouse_schema.sql).
SELECT o.month, o.order_id, t.term, t.kind, o.caller
FROM core.orders AS o
INNER JOIN core.text_terms AS t ON o.month = t.month AND o.text = t.text
