"""What people report, from 诉求内容: masking of personal data, segmentation into terms, stop words.

The raw text never leaves this package: ``order_terms`` returns only (order, term, kind) rows, and
the ingest keeps a term only when enough orders and callers of the month use it."""

from hotline.text.mask import mask_contents
from hotline.text.terms import order_terms, segment

__all__ = ["mask_contents", "order_terms", "segment"]
