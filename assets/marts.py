"""The marts of a month in one Dagster step: the assessment tables (tables 1–5 and section 二's
lists), the overview tables (sections 一 and 四) and the hotspot tables (section 三). Each table is
its own asset, defined beside its rules in assets/assessment.py, assets/overview.py and
assets/hotspots.py; assets/steps.py says why they share a step."""

from assets.assessment import ASSESSMENT_TABLES
from assets.hotspots import HOTSPOT_TABLES
from assets.overview import OVERVIEW_TABLES
from assets.steps import tables_step
from assets.text import TEXT_TABLES

# Upstream first: the highlights read the unit scores, the anomalies the hotspots and channels.
marts = tables_step(
    "marts",
    [*ASSESSMENT_TABLES, *OVERVIEW_TABLES, *HOTSPOT_TABLES, *TEXT_TABLES],
    "The month's marts: assessment, overview and hotspots, one table per asset.",
)
