"""The benchmark: the month run at several sizes, stage by stage, against a hand-written baseline.

    .venv/bin/python -m benchmarks.run --sizes 10000,100000,1000000,3000000 --repeat 3 --out BENCHMARKS.md

For every size N (assignments in one month, generated with ``hotline generate``, CSV):
  * the whole month run, ``hotline run MONTH`` on a fresh warehouse and Dagster home: wall time and
    peak RSS (each measured command runs under benchmarks.measure, a process of its own);
  * each stage's share of that run, from the run's own event log (STEP_START → STEP_SUCCESS of
    every step, summed per asset group; what is left is Dagster start-up and orchestration), and
    of those the text stage's (诉求内容 → terms in the ingest, the text marts), from the seconds
    the run's materializations report;
  * each stage run on its own (benchmarks.stage, one process per stage, on another fresh
    warehouse, in order): wall time and peak RSS;
  * the baseline: benchmarks/baseline.sql straight from the CSV files (benchmarks.baseline).
Medians over --repeat runs. The fixed cost is the whole run at the smallest size; the marginal
ratio at N is (whole run at N − fixed cost) / baseline at N.

--district adds the two district-size targets: the bundled sample's 2024-02 (after a first load
of its other months) and a 24-month backfill of a generated district in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOTLINE = [PYTHON, "-m", "pipelines.cli"]
MONTH = "2024-02"
# The stages of a month run, as asset groups, in the order they run. The marts of the three groups
# share one Dagster step (assets/marts.py), so they are one stage.
STAGES = {
    "reference+ingest": ("reference", "ingest"),
    "marts": ("assessment", "overview", "hotspots"),
    "report": ("report",),
}
GROUP_STAGE = {g: stage for stage, groups in STAGES.items() for g in groups}
# 诉求内容 → terms at ingest and the text marts (issue 15), counted inside the stages above: the
# ingest's masking, segmenting and terms' write, and the text marts' writes (step_seconds)
TEXT_STAGE = "of which the text stage"
BACKFILL = ("2022-03", "2024-02")
DISTRICT_ASSIGNMENTS = 11000
GIB = 1024.0
BEGIN, END = "<!-- benchmark results: begin -->", "<!-- benchmark results: end -->"


@dataclass
class Measure:
    wall_s: float
    peak_mib: float
    tree_peak_mib: float  # all processes of the run at once (the report's workers included)


@dataclass
class SizeResult:
    size: int
    whole: list[Measure] = field(default_factory=list)
    steps: list[dict[str, float]] = field(default_factory=list)  # stage → seconds inside the whole run
    stages: list[dict[str, Measure]] = field(default_factory=list)  # stage → its own process
    baseline: list[Measure] = field(default_factory=list)

    def median(self, what: str, stage: str | None = None, key: str = "wall_s") -> float:
        if what == "steps":
            return statistics.median(s[stage] for s in self.steps)
        if what == "stages":
            return statistics.median(getattr(s[stage], key) for s in self.stages)
        return statistics.median(getattr(m, key) for m in getattr(self, what))


def measure(command: list[str], env: dict[str, str], log_dir: Path, name: str) -> Measure:
    out = log_dir / f"{name}.json"
    subprocess.run([PYTHON, "-m", "benchmarks.measure", str(out), "--", *command], env=env, cwd=PROJECT, check=True)
    result = json.loads(out.read_text())
    if result["returncode"] != 0:
        tail = Path(f"{out}.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(command)} failed (exit {result['returncode']}); log {out}.log:\n{tail}")
    return Measure(result["wall_s"], result["peak_mib"], result["tree_peak_mib"])


def env_for(data: Path, run_dir: Path) -> dict[str, str]:
    """A fresh warehouse, reports folder and Dagster home under run_dir; the phone key outside data."""
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True)
    return dict(
        os.environ,
        HOTLINE_DATA_DIR=str(data),
        HOTLINE_WAREHOUSE=str(run_dir / "warehouse.duckdb"),
        HOTLINE_REPORTS_DIR=str(run_dir / "reports"),
        DAGSTER_HOME=str(run_dir / "dagster"),
        HOTLINE_PHONE_KEY_FILE=str(run_dir.parent / "phone_hash.key"),
        HOTLINE_WAREHOUSE_WAIT_SECONDS="5",
        PYTHONPATH=str(PROJECT),
    )


def generate(data: Path, size: int, first: str = MONTH, last: str = MONTH) -> Path:
    """``hotline generate`` once per size and range; kept between benchmark runs (same seed, same bytes)."""
    marker = data / ".generated"
    wanted = f"{size} {first} {last}"
    if marker.exists() and marker.read_text() == wanted:
        return data
    if data.exists():
        shutil.rmtree(data)
    subprocess.run(
        [*HOTLINE, "generate", "--out", str(data), "--from", first, "--to", last, "--assignments", str(size)],
        cwd=PROJECT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    marker.write_text(wanted)
    return data


def step_seconds(dagster_home: Path) -> dict[str, float]:
    """Seconds per stage inside the last run of the instance, from its event log, plus
    ``dagster`` = the run's wall time not spent in any step (start-up, planning, events)."""
    from dagster import DagsterEventType, DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    from assets.steps import SECONDS, TEXT_MARTS, TEXT_SECONDS
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home)))
    try:
        run = instance.get_runs(limit=1)[0]
        records = instance.all_logs(run.run_id)
    finally:
        instance.dispose()
    started: dict[str, float] = {}
    step_stage: dict[str, str] = {}
    totals = {stage: 0.0 for stage in STAGES} | {TEXT_STAGE: 0.0}
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        key = getattr(event, "asset_key", None) or (
            event.event_specific_data.asset_key
            if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
            else None
        )
        if key is not None and event.step_key not in step_stage:
            step_stage[event.step_key] = GROUP_STAGE.get(graph.get(key).group_name, "report")
    for record in records:
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            # the text stage: its share of the ingest and its marts' writes, as the run's assets report them
            key = event.asset_key.path
            metadata = event.event_specific_data.materialization.metadata
            if key == ["core", "assignments"] and TEXT_SECONDS in metadata:
                totals[TEXT_STAGE] += metadata[TEXT_SECONDS].value
            elif key[0] == "mart" and key[-1] in TEXT_MARTS and SECONDS in metadata:
                totals[TEXT_STAGE] += metadata[SECONDS].value
        if event.event_type == DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            stage = step_stage.get(event.step_key, "reference+ingest")
            totals[stage] += record.timestamp - started[event.step_key]
    return totals


def run_size(size: int, repeat: int, work: Path, echo) -> SizeResult:
    data = generate(work / f"data-{size}", size)
    result = SizeResult(size)
    for i in range(repeat):
        echo(f"  {size:>9,}: repeat {i + 1}/{repeat}: whole run")
        run_dir = work / f"run-{size}"
        env = env_for(data, run_dir)
        whole = measure([*HOTLINE, "run", MONTH], env, run_dir, "whole")
        result.whole.append(whole)
        steps = step_seconds(run_dir / "dagster")
        # the text stage's seconds are part of the ingest's and the marts' (a column of its own)
        steps["dagster start-up and orchestration"] = max(
            whole.wall_s - sum(v for k, v in steps.items() if k != TEXT_STAGE), 0.0
        )
        result.steps.append(steps)
        echo(f"  {size:>9,}: whole {whole.wall_s:.1f} s, {whole.peak_mib:.0f} MiB; stages one by one")
        stage_dir = work / f"stages-{size}"
        env = env_for(data, stage_dir)
        result.stages.append(
            {
                stage: measure(
                    [PYTHON, "-m", "benchmarks.stage", MONTH, ",".join(groups)],
                    env,
                    stage_dir,
                    stage.replace("/", "-"),
                )
                for stage, groups in STAGES.items()
            }
        )
        echo(f"  {size:>9,}: baseline")
        result.baseline.append(
            measure([PYTHON, "-m", "benchmarks.baseline", str(data), MONTH], env, stage_dir, "baseline")
        )
        echo(f"  {size:>9,}: baseline {result.baseline[-1].wall_s:.2f} s")
    return result


def district_targets(work: Path, repeat: int, backfill_repeat: int, echo) -> dict[str, list[Measure]]:
    """The bundled sample's 2024-02 after a first load of its other months; a 24-month backfill."""
    from hotline.generator.sample import FIRST_MONTH, write_sample

    out: dict[str, list[Measure]] = {"sample 2024-02": [], "backfill 24 months": []}
    sample = work / "sample"
    if not (sample / ".written").exists():
        shutil.rmtree(sample, ignore_errors=True)
        write_sample(sample)
        (sample / ".written").write_text("1")
    run_dir = work / "run-sample"
    env = env_for(sample, run_dir)
    echo("  sample: first load of 2023-01 .. 2024-01")
    measure([*HOTLINE, "backfill", FIRST_MONTH, "2024-01"], env, run_dir, "first-load")
    for i in range(repeat):
        out["sample 2024-02"].append(measure([*HOTLINE, "run", MONTH], env, run_dir, f"sample-{i}"))
        echo(f"  sample 2024-02: {out['sample 2024-02'][-1].wall_s:.1f} s")
    data = generate(work / "data-district-24", DISTRICT_ASSIGNMENTS, *BACKFILL)
    for _ in range(backfill_repeat):
        run_dir = work / "run-backfill"
        env = env_for(data, run_dir)
        env["HOTLINE_FIRST_MONTH"] = BACKFILL[0]
        out["backfill 24 months"].append(measure([*HOTLINE, "backfill", *BACKFILL], env, run_dir, "backfill"))
        echo(f"  backfill: {out['backfill 24 months'][-1].wall_s:.1f} s")
    return out


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(line.split("=", 1) for line in release.read_text().splitlines() if "=" in line)
        os_name = f"{fields.get('PRETTY_NAME', '').strip(chr(34))} ({platform.release()})"
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "os": os_name,
        "python": platform.python_version(),
    }


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def fmt_mib(mib: float) -> str:
    return f"{mib / GIB:.2f} GiB" if mib >= GIB else f"{mib:.0f} MiB"


def table(results: list[SizeResult]) -> list[str]:
    """The result table: one row per size, every stage, the baseline and the ratios."""
    fixed = results[0].median("whole")
    step_names = [*STAGES, TEXT_STAGE, "dagster start-up and orchestration"]
    lines = [
        "| assignments | whole run | whole peak RSS (largest process / all at once) | "
        + " | ".join(f"{s} (in run)" for s in step_names)
        + " | "
        + " | ".join(f"{s} alone (wall / peak)" for s in STAGES)
        + " | baseline (wall / peak) | marginal ratio | whole run / 10× fewer rows |",
        "|" + "---:|" * (3 + len(step_names) + len(STAGES) + 3),
    ]
    by_size = {r.size: r for r in results}
    for r in results:
        base = r.median("baseline")
        marginal = (r.median("whole") - fixed) / base if r.size != results[0].size else None
        tenth = by_size.get(r.size // 10)
        growth = r.median("whole") / tenth.median("whole") if tenth else None
        cells = [
            f"{r.size:,}",
            f"{r.median('whole'):.1f} s",
            f"{fmt_mib(r.median('whole', key='peak_mib'))} / {fmt_mib(r.median('whole', key='tree_peak_mib'))}",
        ]
        cells += [f"{r.median('steps', s):.1f} s" for s in step_names]
        cells += [f"{r.median('stages', s):.1f} s / {fmt_mib(r.median('stages', s, 'peak_mib'))}" for s in STAGES]
        cells += [
            f"{base:.2f} s / {fmt_mib(r.median('baseline', key='peak_mib'))}",
            "— (fixed cost)" if marginal is None else f"{marginal:.2f}",
            "" if growth is None else f"{growth:.1f}×",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def as_json(results: list[SizeResult], district: dict[str, list[Measure]]) -> dict:
    return {
        "sizes": {
            str(r.size): {
                "whole_wall_s": r.median("whole"),
                "whole_peak_mib": r.median("whole", key="peak_mib"),
                "whole_tree_peak_mib": r.median("whole", key="tree_peak_mib"),
                "steps_s": {s: r.median("steps", s) for s in r.steps[0]},
                "stages": {
                    s: {"wall_s": r.median("stages", s), "peak_mib": r.median("stages", s, "peak_mib")} for s in STAGES
                },
                "baseline_wall_s": r.median("baseline"),
                "baseline_peak_mib": r.median("baseline", key="peak_mib"),
                "repeats": len(r.whole),
                "whole_wall_s_all": [m.wall_s for m in r.whole],
            }
            for r in results
        },
        "district": {
            k: {
                "wall_s": statistics.median(m.wall_s for m in v),
                "peak_mib": statistics.median(m.peak_mib for m in v),
                "tree_peak_mib": statistics.median(m.tree_peak_mib for m in v),
                "all_s": [m.wall_s for m in v],
            }
            for k, v in district.items()
            if v
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="10000,100000,1000000,3000000",
        help="assignments per month, comma-separated; the first is the fixed-cost size",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the tables show medians")
    parser.add_argument(
        "--large-repeat", type=int, default=None, help="runs for sizes of 3,000,000 and more (default: --repeat)"
    )
    parser.add_argument(
        "--district", action="store_true", help="also measure the sample's 2024-02 and a 24-month district backfill"
    )
    parser.add_argument(
        "--district-repeat", type=int, default=None, help="runs of the 24-month backfill (default: --repeat)"
    )
    parser.add_argument("--work", default=None, help="working folder for data and runs (default: a folder under /tmp)")
    parser.add_argument("--out", default=None, help="write the results as Markdown here (and JSON next to it)")
    args = parser.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = Path(args.work or Path(os.environ.get("TMPDIR", "/tmp")) / "hotline-benchmark").resolve()
    work.mkdir(parents=True, exist_ok=True)

    def echo(text: str) -> None:
        print(text, flush=True)

    command = "python -m benchmarks.run " + " ".join(argv if argv is not None else sys.argv[1:])
    started, load_before = time.strftime("%Y-%m-%d %H:%M:%S"), load()
    echo(f"benchmark: {command}; load average {load_before}")
    results = []
    for size in sizes:
        repeat = args.large_repeat if (args.large_repeat and size >= 3_000_000) else args.repeat
        results.append(run_size(size, repeat, work, echo))
    district = district_targets(work, args.repeat, args.district_repeat or args.repeat, echo) if args.district else {}
    load_after = load()
    lines = table(results)
    echo("\n".join(lines))
    for name, values in district.items():
        echo(f"{name}: median {statistics.median(m.wall_s for m in values):.1f} s")
    if args.out:
        out = Path(args.out)
        info = machine()
        text = [
            f"<!-- generated by: {command} -->",
            f"Run {started} .. {time.strftime('%H:%M:%S')}; load average (1, 5, 15 min) before {load_before}, "
            f"after {load_after}.",
            f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, {info['os']}, Python "
            f"{info['python']}.",
            "",
            *lines,
            "",
        ]
        for name, values in district.items():
            text.append(
                f"- {name}: median {statistics.median(m.wall_s for m in values):.1f} s over {len(values)} run(s) "
                f"({', '.join(f'{m.wall_s:.1f}' for m in values)}), peak "
                f"{fmt_mib(statistics.median(m.peak_mib for m in values))} (largest process), "
                f"{fmt_mib(statistics.median(m.tree_peak_mib for m in values))} (all processes at once)"
            )
        block = "\n".join([BEGIN, *text, END])
        previous = out.read_text(encoding="utf-8") if out.exists() else ""
        if BEGIN in previous and END in previous:
            # keep the hand-written analysis around the generated block
            head, rest = previous.split(BEGIN, 1)
            block = head + block + rest.split(END, 1)[1]
        else:
            block += "\n"
        out.write_text(block, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(as_json(results, district), indent=2), encoding="utf-8")
        echo(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
