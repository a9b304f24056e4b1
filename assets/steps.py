"""Several warehouse tables materialized in one Dagster step.

Every table is still its own asset (its key, description, lineage and metadata in the UI, its SQL in
``sql/<table>.sql``), but the tables of a stage share one step: a step costs Dagster bookkeeping
(events, the upstream versions it looks up) and a warehouse connection, more than the SQL of a
district month (BENCHMARKS.md, "Figures behind the code's choices"). ``can_subset``: the UI and the
CLI can still materialize any one table.

A blocking check failing on a table stops the tables of the step that depend on it (and, as
Dagster fails the step, everything downstream of the step), exactly as separate steps would."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    MaterializeResult,
    multi_asset,
)
from dagster_duckdb import DuckDBResource

from hotline.warehouse import open_warehouse, transaction
from pipelines.partitions import MONTHLY
from pipelines.resources import HotlinePaths


@dataclass(frozen=True)
class Check:
    """A check of a table, evaluated right after the table is written."""

    spec: AssetCheckSpec
    evaluate: Callable[
        [AssetCheckExecutionContext | AssetExecutionContext, duckdb.DuckDBPyConnection], AssetCheckResult
    ]


@dataclass(frozen=True)
class Table:
    """One asset = one table: its spec and the function that writes the run's months of it."""

    spec: AssetSpec
    build: Callable[..., MaterializeResult]
    checks: list[Check] = field(default_factory=list)
    needs_paths: bool = False  # build(context, con, paths) instead of build(context, con)


# Metadata labels of a materialization that benchmarks/run.py reads back from the event log
SECONDS = "seconds"  # a mart's write, all months of the run
TEXT_SECONDS = "text stage seconds"  # core/assignments: what 诉求内容 → terms added to the ingest
# The marts of the text stage (assets/text.py); with TEXT_SECONDS, the text stage of a run
TEXT_MARTS = ("hotspot_aspects", "hotspot_terms", "place_clusters")


def log_rows(context: AssetExecutionContext, table: str, rows: dict[str, int]) -> None:
    """One log line per table and run (every line is an event Dagster stores: a backfill logging
    each month of each table would store hundreds)."""
    context.log.info(f"{table}: " + ", ".join(f"{month} {n} rows" for month, n in rows.items()))


def _closure(tables: list[Table], key: AssetKey) -> set[AssetKey]:
    """``key`` and every table of the step downstream of it."""
    blocked = {key}
    for table in tables:  # tables are listed upstream first
        if any(dep.asset_key in blocked for dep in table.spec.deps):
            blocked.add(table.spec.key)
    return blocked


def tables_step(name: str, tables: list[Table], description: str) -> AssetsDefinition:
    """One multi-asset writing ``tables`` in the order listed (upstream first)."""

    def run(context: AssetExecutionContext, warehouse: DuckDBResource, paths: HotlinePaths) -> Iterator[Any]:
        selected = context.selected_asset_keys
        selected_checks = context.selected_asset_check_keys
        blocked: set[AssetKey] = set()
        results: list[Any] = []
        # The step's tables are written in one transaction, and said only once it commits: a step
        # that fails half-way (an SQL error, a full disk) leaves every table of its months as it was.
        with open_warehouse(warehouse) as con, transaction(con):
            for table in tables:
                key = table.spec.key
                if key not in selected or key in blocked:
                    continue
                result = table.build(context, con, paths) if table.needs_paths else table.build(context, con)
                results.append(MaterializeResult(asset_key=key, metadata=result.metadata))
                for check in table.checks:
                    if check.spec.key not in selected_checks:
                        continue
                    evaluation = check.evaluate(context, con)
                    results.append(
                        AssetCheckResult(
                            asset_key=key,
                            check_name=check.spec.name,
                            passed=evaluation.passed,
                            severity=evaluation.severity,
                            description=evaluation.description,
                            metadata=evaluation.metadata,
                        )
                    )
                    if (
                        check.spec.blocking
                        and not evaluation.passed
                        and evaluation.severity == AssetCheckSeverity.ERROR
                    ):
                        blocked |= _closure(tables, key)
        yield from results

    return multi_asset(
        name=name,
        specs=[t.spec for t in tables],
        check_specs=[c.spec for t in tables for c in t.checks],
        can_subset=True,
        description=description,
        **MONTHLY,
    )(run)
