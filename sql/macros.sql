-- Exact rounding, half away from zero, of the rational num / den (both whole numbers):
-- 4.375 → 4.38 and -4.375 → -4.38, with no binary-float step anywhere. NULL when den is 0.
CREATE OR REPLACE TEMP MACRO round_half_away_int(num, den) AS
    CASE WHEN den IS NULL OR den = 0 OR num IS NULL THEN NULL
         ELSE sign(num) * ((2 * abs(num::HUGEINT) + den::HUGEINT) // (2 * den::HUGEINT)) END;
-- num / den rounded to 2 decimals, as DECIMAL(18,2)
CREATE OR REPLACE TEMP MACRO round2_ratio(num, den) AS
    round_half_away_int(num::HUGEINT * 100, den)::DECIMAL(18, 0) * 0.01::DECIMAL(3, 2);
-- num / den rounded to 4 decimals, as DECIMAL(18,4) (rates as fractions: 0.9270)
CREATE OR REPLACE TEMP MACRO round4_ratio(num, den) AS
    round_half_away_int(num::HUGEINT * 10000, den)::DECIMAL(18, 0) * 0.0001::DECIMAL(5, 4);
-- a change in percent, (this − base) / base × 100, rounded to 2 decimals; NULL without a base
CREATE OR REPLACE TEMP MACRO change_pct(this, base) AS
    CASE WHEN base IS NULL OR base = 0 OR this IS NULL THEN NULL
         ELSE round2_ratio((this - base)::HUGEINT * 100, base) END;
-- a share in percent, part / whole × 100, rounded to 2 decimals
CREATE OR REPLACE TEMP MACRO share_pct(part, whole) AS round2_ratio(part::HUGEINT * 100, whole);
-- a decimal value as whole units of 1/10000 (credits, points), exact
CREATE OR REPLACE TEMP MACRO e4(x) AS (x::DECIMAL(38, 4) * 10000)::HUGEINT;
-- The hotspot of a 诉求分类 path under the taxonomy in force in month m: the longest prefix of
-- whole levels wins. NULL when no prefix matches (callers label that with the rules' 其他).
-- Returns {hotspot, sub_hotspot}. Map distinct paths, then join: taxonomies are small.
CREATE OR REPLACE TEMP MACRO hotspot_of(path, m) AS (
    SELECT {'hotspot': h.hotspot, 'sub_hotspot': h.sub_hotspot}
    FROM ref.hotspots AS h
    WHERE h.month = m AND (path = h.prefix OR starts_with(path, h.prefix || '/'))
    ORDER BY length(h.prefix) DESC, h.hotspot_order
    LIMIT 1
);
