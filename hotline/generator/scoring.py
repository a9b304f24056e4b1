"""Exact score arithmetic, and solvers that find whole counts giving a printed score.

The report rounds rate × points to 2 decimals, half away from zero, on the exact rational value.
To reproduce a printed score the sample needs counts (k of n) whose exact ratio rounds to it; the
functions here search for them with Fractions, never floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# Satisfaction credit per label in basis points of a percent (rules.yaml credit.satisfaction ×
# 10000). A number 0–100 in 满意度 is its own credit: "65.71" = 6571 bp. Two-decimal numbers are
# needed where the seed prints a rate no label mix with few callbacks can give (区公安分局's
# enterprise 65.71% with score 26.28).
SATISFACTION_LABEL_CREDIT = {"非常满意": 10000, "满意": 10000, "基本满意": 8000, "不满意": 0, "非常不满意": 0}
FULL = 10000  # credit of one fully satisfied callback
LABELS = tuple(SATISFACTION_LABEL_CREDIT)


def round2(value: Fraction) -> Decimal:
    """Round an exact value to 2 decimals, half away from zero."""
    sign = -1 if value < 0 else 1
    hundredths = abs(value) * 100
    whole, remainder = divmod(hundredths.numerator, hundredths.denominator)
    if 2 * remainder >= hundredths.denominator:
        whole += 1
    return Decimal(sign * whole).scaleb(-2)


def score(rate: Fraction, points: int) -> Decimal:
    return round2(rate * points)


def counts_for_score(n: int, points: int, target: Decimal, k_min: int = 0, k_max: int | None = None) -> list[int]:
    """All k in [k_min, k_max] with round2(k/n × points) == target (n > 0)."""
    k_max = n if k_max is None else min(k_max, n)
    return [k for k in range(max(k_min, 0), k_max + 1) if score(Fraction(k, n), points) == target]


def credit_sums_for_score(
    n: int, points: int, target: Decimal, s_min: int = 0, s_max: int | None = None, pct: Decimal | None = None
) -> list[int]:
    """Satisfaction: all credit sums s (basis points) over n callbacks with
    round2(s/(FULL n) × points) == target (and, if given, the printed percentage == pct)."""
    s_max = FULL * n if s_max is None else min(s_max, FULL * n)
    centre = int(Fraction(target) / points * FULL * n)
    margin = FULL * n // (100 * points) + 2
    lo, hi = max(s_min, centre - margin), min(s_max, centre + margin)
    out = []
    for s in range(lo, hi + 1):
        rate = Fraction(s, FULL * n)
        if score(rate, points) == target and (pct is None or round2(rate * 100) == pct):
            out.append(s)
    return out


def spell_number(credit: int) -> str:
    whole, cents = divmod(credit, 100)
    return str(whole) if cents == 0 else f"{whole}.{cents:02d}"


def _labels(count: int, total: int) -> list[str] | None:
    """total = FULL·a + 8000·b with a + b <= count, as many full marks as possible."""
    if total % 2000 or total < 0:
        return None
    for b in range(0, count + 1):
        rest = total - 8000 * b
        if rest < 0:
            break
        if rest % FULL == 0 and rest // FULL + b <= count:
            a = rest // FULL
            zeros = count - a - b
            return (
                ["非常满意"] * ((a + 1) // 2)
                + ["满意"] * (a // 2)
                + ["基本满意"] * b
                + ["不满意"] * ((zeros + 1) // 2)
                + ["非常不满意"] * (zeros // 2)
            )
    return None


def compose_satisfaction(n: int, credit_sum: int) -> list[str] | None:
    """Spell n 满意度 values summing to credit_sum basis points: labels where possible, else at
    most one numeric score (a whole number if that works, else two decimals). Values come
    best-first so they can be laid on the solved rows first. None if impossible."""
    if n == 0:
        return [] if credit_sum == 0 else None
    if not 0 <= credit_sum <= FULL * n:
        return None
    spelled = _labels(n, credit_sum)
    if spelled is not None:
        return spelled
    # one numeric value v ≡ credit_sum (mod 2000) so the rest are labels; prefer whole percents
    base = credit_sum % 2000
    candidates = [v for v in range(base, FULL + 1, 2000)]
    candidates.sort(key=lambda v: (v % 100 != 0, abs(v - 7500)))
    for v in candidates:
        rest = _labels(n - 1, credit_sum - v)
        if rest is not None:
            return sorted(rest + [spell_number(v)], key=lambda x: -credit_of(x))
    return None


def credit_of(value: str) -> int:
    if value in SATISFACTION_LABEL_CREDIT:
        return SATISFACTION_LABEL_CREDIT[value]
    whole, _, cents = value.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def satisfaction_credit(values: list[str]) -> int:
    return sum(credit_of(v) for v in values)
