"""The month folders as operations see them: a sensor that starts a month's run when its input
files change, and a (non-blocking) check that the month's inputs are complete and recent.

A month's content is identified by what its files hold, never by names or modification times:
the sha256 of the sorted list of (path relative to the month folder, sha256 of the file's bytes)
over the files under ``exports/`` that a run reads or refuses (hotline/contract/discovery.py, subfolders
included), ``adjustments.csv``, ``city_assessment.csv`` and ``notes.md``. Touching a file,
or copying the same bytes again, starts nothing; a changed byte or a new file starts one run
(run_key = month + content hash, so the same content never runs twice).
"""

import hashlib
import json
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    DefaultSensorStatus,
    MetadataValue,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    asset_check,
    sensor,
)

from assets.keys import ASSIGNMENTS
from hotline.contract.discovery import discover_exports
from hotline.lookups import file_sha256, is_month
from pipelines.jobs import month_job
from pipelines.partitions import assessment_months
from pipelines.resources import HotlinePaths

SIDE_FILES = ("adjustments.csv", "city_assessment.csv", "notes.md")
SENSOR_INTERVAL_ENV = "HOTLINE_SENSOR_INTERVAL_SECONDS"
SETTLE_ENV = "HOTLINE_SENSOR_SETTLE_SECONDS"
DEFAULT_INTERVAL, DEFAULT_SETTLE = 60, 30


def _is_input(path: Path) -> bool:
    # Excel's lock files (~$x.xlsx) and hidden files are not exports.
    return path.is_file() and not path.name.startswith(("~$", "."))


def month_input_files(month_dir: Path) -> list[Path]:
    """The files of a month folder that a run reads or refuses (the exports by the run's own
    discovery, subfolders included), sorted by their relative name. A refused entry may be a
    dangling link: it counts by its name."""
    exports = discover_exports(month_dir / "exports")
    files = exports.files + [refused.path for refused in exports.refused]
    files += [month_dir / name for name in SIDE_FILES if _is_input(month_dir / name)]
    return sorted(files, key=lambda p: p.relative_to(month_dir).as_posix())


def month_content_hash(month_dir: Path) -> str | None:
    """sha256 over the sorted (relative name, content sha256) list; None for a folder without inputs."""
    files = month_input_files(month_dir)
    if not files:
        return None
    listing = [
        [p.relative_to(month_dir).as_posix(), file_sha256(p) if p.is_file() else "(not a readable file)"]
        for p in files
    ]
    return hashlib.sha256(json.dumps(listing, ensure_ascii=False).encode("utf-8")).hexdigest()


def scan_months(
    data_dir: Path, settle_seconds: float = 0.0, now: float | None = None
) -> tuple[dict[str, str], list[str]]:
    """({month: content hash}, months still being written). A month with a file modified within the
    last ``settle_seconds`` is left for a later tick (a copy in progress is not a new content)."""
    now = time.time() if now is None else now
    hashes, settling = {}, []
    months_dir = data_dir / "months"
    if not months_dir.is_dir():
        return hashes, settling
    for month_dir in sorted(p for p in months_dir.iterdir() if p.is_dir() and is_month(p.name)):
        files = month_input_files(month_dir)
        written = [(p.stat() if p.exists() else p.lstat()).st_mtime for p in files]
        if settle_seconds and any(now - mtime < settle_seconds for mtime in written):
            settling.append(month_dir.name)
            continue
        content = month_content_hash(month_dir)
        if content is not None:
            hashes[month_dir.name] = content
    return hashes, settling


def ignored_month_folders(data_dir: Path) -> str:
    """The line that says which folders under months/ are not month names (2024-13, 24-02, 2024-2):
    never read, never run; empty when there are none."""
    from hotline.month_load import impossible_month_folders

    names = [p.name for p in impossible_month_folders(data_dir)]
    if not names:
        return ""
    return (
        f"ignored month folder(s) {', '.join(names)}: not a month like 2024-02 (YYYY-MM, month 01-12); "
        "rename the folder to start its month's run"
    )


def run_key(month: str, content: str) -> str:
    return f"{month}:{content[:16]}"


@sensor(
    job=month_job,
    minimum_interval_seconds=int(os.environ.get(SENSOR_INTERVAL_ENV, DEFAULT_INTERVAL)),
    default_status=DefaultSensorStatus.RUNNING,
    description="Starts a month's run when the files under data/months/YYYY-MM/ (exports, adjustments.csv, "
    "city_assessment.csv, notes.md) change content: once per content (run_key = month + sha256 of the "
    "sorted (name, file sha256) list). Its first tick records what is there without starting runs.",
)
def month_files_sensor(context: SensorEvaluationContext):
    from hotline.settings import Settings

    settle = float(os.environ.get(SETTLE_ENV, DEFAULT_SETTLE))
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    data_dir = Settings.from_env().data_dir
    current, settling = scan_months(data_dir, settle)
    ignored = ignored_month_folders(data_dir)
    if ignored:
        context.log.warning(ignored)
    offered = set(assessment_months.get_partition_keys())
    # Keep the cursor's entry of a month still being written: it is judged once it settles.
    cursor = {**{m: seen[m] for m in settling if m in seen}, **current}
    if context.cursor is None:
        return SensorResult(
            skip_reason=SkipReason(
                f"first tick: recorded the content of {len(current)} month folder(s); a later change starts that "
                "month's run"
            ),
            cursor=json.dumps(cursor, sort_keys=True),
        )
    requests, notes = [], [ignored] if ignored else []
    for month, content in sorted(current.items()):
        if seen.get(month) == content:
            continue
        if month not in offered:
            notes.append(f"{month} changed but is not an offered partition")
            continue
        what = "new month folder" if month not in seen else "files changed"
        requests.append(
            RunRequest(
                run_key=run_key(month, content),
                partition_key=month,
                tags={"hotline/trigger": "sensor", "hotline/content_sha256": content, "hotline/reason": what},
            )
        )
        context.log.info(f"{month}: {what} (content {content[:16]}); requesting a run")
    if requests:
        return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))
    reason = "no month folder changed content" + (f"; still being written: {', '.join(settling)}" if settling else "")
    if notes:
        reason += "; " + "; ".join(notes)
    return SensorResult(skip_reason=SkipReason(reason), cursor=json.dumps(cursor, sort_keys=True))


# --------------------------------------------------------------------------- freshness check


def freshness_problems(data_dir: Path, month: str) -> list[str]:
    """Why the month's inputs may be incomplete: exports written before the window closed (so they
    cannot hold its last days), no exports, or no adjustments.csv."""
    from hotline.calendar import Calendar
    from hotline.rules import load_typed_rules

    reference = data_dir / "reference"
    window = Calendar.load(reference, load_typed_rules(reference)).window(month)
    month_dir = data_dir / "months" / month
    exports = discover_exports(month_dir / "exports").files
    problems = []
    if not exports:
        problems.append(f"{month}: no export in {month_dir / 'exports'}")
    else:
        closed = datetime.combine(window.end + timedelta(days=1), datetime.min.time())
        newest = max(exports, key=lambda p: p.stat().st_mtime)
        written = datetime.fromtimestamp(newest.stat().st_mtime)
        if written < closed:
            problems.append(
                f"{month}: the newest export ({newest.name}, written {written:%Y-%m-%d %H:%M}) predates the "
                f"end of the window ({window.end}); export the month again after the window closed"
            )
    if not (month_dir / "adjustments.csv").exists():
        problems.append(f"{month}: adjustments.csv is missing (减分项, 质效, 抽测排名)")
    return problems


@asset_check(
    asset=ASSIGNMENTS,
    partitions_def=assessment_months,
    blocking=False,
    description="The month's inputs look complete: an export written after the window closed (an earlier "
    "one cannot hold the window's last days) and an adjustments.csv. WARN only: the month is "
    "still computed; re-export and run the month again when the late files arrive.",
)
def month_inputs_fresh(context: AssetCheckExecutionContext, paths: HotlinePaths) -> AssetCheckResult:
    from hotline.warehouse import months_of

    data_dir = paths.data
    problems = [p for month in months_of(context) for p in freshness_problems(data_dir, month)]
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.WARN,
        description="inputs complete and exported after the window closed" if not problems else "\n".join(problems),
        metadata={
            "problems": MetadataValue.int(len(problems)),
            "details": MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


all_sensors = [month_files_sensor]
all_checks = [month_inputs_fresh]
