"""Every asset key of the pipeline, defined once: the assets, the checks, the sensors and the CLI's
status read them from here. A key is the table it materializes (schema, table)."""

from dagster import AssetDep, AssetKey

from pipelines.partitions import MONTH_AND_PREVIOUS, YEAR_BEFORE

# ref: the reference data in force for each month (assets/reference.py, assets/text.py)
RULES, MONTHS, UNITS, HOTSPOT_TAXONOMY, ASPECT_RULES = (
    AssetKey(["ref", n]) for n in ("rules", "months", "units", "hotspots", "aspects")
)
REFERENCE_DEPS = [RULES, MONTHS, UNITS, HOTSPOT_TAXONOMY]

# core: a month's loaded data (assets/ingest.py)
ASSIGNMENTS, REJECTED_ROWS, EXPORT_FILES, ADJUSTMENTS, CITY_ASSESSMENT = (
    AssetKey(["core", n]) for n in ("assignments", "rejected_rows", "export_files", "adjustments", "city_assessment")
)
ORDERS = AssetKey(["core", "orders"])
# What a mart comparing months reads of the other months (pipelines/partitions.py says why two keys):
# the orders of this month and of the 环比 base, and the 同比 base's load (its core.orders rows
# are written in the same transaction as its core.export_files).
COMPARED_MONTHS = [
    AssetDep(ORDERS, partition_mapping=MONTH_AND_PREVIOUS),
    AssetDep(EXPORT_FILES, partition_mapping=YEAR_BEFORE),
]

# mart: the report's tables (assets/overview.py, assessment.py, hotspots.py, text.py)
OVERVIEW, CHANNEL_COUNTS, REQUEST_TYPE_SHARES, ENTERPRISE_SUMMARY = (
    AssetKey(["mart", n]) for n in ("overview", "channel_counts", "request_type_shares", "enterprise_summary")
)
UNIT_SCORES, ENTERPRISE_SCORES, ONSITE_2H, UNIT_HIGHLIGHTS = (
    AssetKey(["mart", n]) for n in ("unit_scores", "enterprise_scores", "onsite_2h", "unit_highlights")
)
HOTSPOTS, HOTSPOT_PLACES, ANOMALIES = (AssetKey(["mart", n]) for n in ("hotspots", "hotspot_places", "anomalies"))
HOTSPOT_ASPECTS, HOTSPOT_TERMS, PLACE_CLUSTERS = (
    AssetKey(["mart", n]) for n in ("hotspot_aspects", "hotspot_terms", "place_clusters")
)
MARTS = [
    OVERVIEW,
    CHANNEL_COUNTS,
    REQUEST_TYPE_SHARES,
    UNIT_SCORES,
    UNIT_HIGHLIGHTS,
    ENTERPRISE_SCORES,
    ONSITE_2H,
    HOTSPOTS,
    HOTSPOT_PLACES,
    ENTERPRISE_SUMMARY,
    ANOMALIES,
    HOTSPOT_ASPECTS,
    HOTSPOT_TERMS,
    PLACE_CLUSTERS,
]

# report: the month's report files (assets/report.py)
CHARTS, DOCX, HTML, MARKDOWN, XLSX = (AssetKey(["report", n]) for n in ("charts", "docx", "html", "markdown", "xlsx"))
