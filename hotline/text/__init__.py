"""What people report, from 诉求内容: masking of personal data, segmentation into terms, stop words.

The raw text never leaves this package: ``text_terms`` (and ``text_terms_later``, which segments on
an executor) returns only (order, text number) and (text number, term, kind) rows, ``order_terms``
(order, term, kind) rows, and the ingest keeps a term only when enough orders and callers of the
month use it."""

from hotline.text.mask import mask_contents
from hotline.text.terms import order_terms, segment, text_terms, text_terms_later

__all__ = ["mask_contents", "order_terms", "segment", "text_terms", "text_terms_later"]
