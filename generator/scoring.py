"""Exact score arithmetic, and solvers that find whole counts giving a printed score.

The report rounds rate × points to 2 decimals, half away from zero, on the exact rational value.
To reproduce a printed score the sample needs counts (k of n) whose exact ratio rounds to it; the
functions here search for them with Fractions, never floats."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

# Satisfaction credit per label, in hundredths (rules.yaml credit.satisfaction × 100). A number
# 0–100 in 满意度 is its own credit in hundredths.
SATISFACTION_LABEL_CREDIT = {"非常满意": 100, "满意": 100, "基本满意": 80, "不满意": 0, "非常不满意": 0}


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


def credit_sums_for_score(n: int, points: int, target: Decimal, s_min: int = 0, s_max: int | None = None) -> list[int]:
    """Satisfaction: all credit sums s (hundredths) over n callbacks with
    round2(s/(100 n) × points) == target. The window is tiny, so compute it around the target."""
    s_max = 100 * n if s_max is None else min(s_max, 100 * n)
    centre = int(Fraction(target) / points * 100 * n)
    lo, hi = max(s_min, centre - 2 * n - 2), min(s_max, centre + 2 * n + 2)
    return [s for s in range(lo, hi + 1) if score(Fraction(s, 100 * n), points) == target]


def compose_satisfaction(n: int, credit_sum: int, solved: int) -> list[str] | None:
    """Spell n 满意度 values summing to credit_sum hundredths, with labels where possible and at
    most one numeric score. Values come best-first so they can be laid on the solved rows first
    (a resolved request is usually a satisfied one). None if impossible."""
    if n == 0:
        return [] if credit_sum == 0 else None
    if not 0 <= credit_sum <= 100 * n:
        return None

    def labels(count: int, total: int) -> list[str] | None:
        # total = 100a + 80b with a + b <= count; prefer many full marks
        if total % 20:
            return None
        for b in range(0, count + 1):
            rest = total - 80 * b
            if rest < 0:
                break
            if rest % 100 == 0 and rest // 100 + b <= count:
                a = rest // 100
                zeros = count - a - b
                # spread full marks over 非常满意 / 满意 and zeros over 不满意 / 非常不满意
                return (["非常满意"] * ((a + 1) // 2) + ["满意"] * (a // 2) + ["基本满意"] * b
                        + ["不满意"] * ((zeros + 1) // 2) + ["非常不满意"] * (zeros // 2))
        return None

    spelled = labels(n, credit_sum)
    if spelled is not None:
        return spelled
    # one numeric score v (0..100), the other n-1 callbacks as labels
    for v in sorted(range(0, 101), key=lambda v: (abs(v - 75), v)):
        rest = labels(n - 1, credit_sum - v)
        if rest is not None:
            values = rest + [str(v)]
            return sorted(values, key=lambda x: -SATISFACTION_LABEL_CREDIT.get(x, int(x) if x.isdigit() else 0))
    return None


def satisfaction_credit(values: list[str]) -> int:
    return sum(SATISFACTION_LABEL_CREDIT[v] if v in SATISFACTION_LABEL_CREDIT else int(v) for v in values)
