"""What people report, from 诉求内容: masking of personal data, segmentation into terms, stop words.

The raw text never leaves this package: ``text_terms`` returns only (order, text number) and (text
number, term, kind) rows, ``order_terms`` (order, term, kind) rows. The ingest uses its two halves:
``number_texts`` (the masked texts, numbered) and ``terms_of_texts`` (their terms as numbers), and
keeps a term only when enough orders and callers of the month use it."""

from hotline.text.mask import mask_contents
from hotline.text.terms import number_texts, order_terms, segment, terms_of_texts, text_terms

__all__ = ["mask_contents", "number_texts", "order_terms", "segment", "terms_of_texts", "text_terms"]
