-- core.adjustments for one month: the month's adjustments.csv (registered as `adjustments_file`)
-- with unit names resolved through the roster's names and aliases. A name the roster does not
-- know is kept as written with in_roster = false, so that a blocking check can name it.
SELECT
    $month AS month,
    coalesce(u.unit, a.unit_as_written) AS unit,
    a.unit_as_written,
    u.unit IS NOT NULL AS in_roster,
    a.deduction,
    a.quality_bonus,
    a.sampling_rank,
    $file AS source_file,
    a.source_row
FROM adjustments_file AS a
LEFT JOIN (  -- the roster's names and aliases, one per row: small enough to inline -- noqa: ST05
    SELECT unit, unnest(list_prepend(unit, aliases)) AS name FROM ref.units WHERE month = $month
) AS u ON a.unit_as_written = u.name
