"""``hotline``: the command line. Every command that computes runs the same Dagster definitions
(and the same persistent instance) that the UI shows; none is a second code path."""

import argparse
import os
import sys
from pathlib import Path

MONTH_HELP = "an assessment month, YYYY-MM"
PLAIN_WIDTH_TRACE = 160  # off a terminal, wide enough for a trace row with its order numbers


def _apply_paths(args: argparse.Namespace) -> None:
    """--data / --warehouse / --reports win over the environment, for this process and the
    Dagster code it loads."""
    for flag, env in (
        ("data", "HOTLINE_DATA_DIR"),
        ("warehouse", "HOTLINE_WAREHOUSE"),
        ("reports", "HOTLINE_REPORTS_DIR"),
    ):
        value = getattr(args, flag, None)
        if value:
            os.environ[env] = str(Path(value).resolve())


def _instance():
    """The persistent Dagster instance (DAGSTER_HOME, by default in the data folder), so that runs
    started here show in ``hotline ui``."""
    from dagster import DagsterInstance

    from pipelines.instance import ensure_dagster_home

    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home())
    return DagsterInstance.get()


def _check_month(month: str) -> str:
    from hotline.lookups import is_month

    if not is_month(month):
        raise SystemExit(f"hotline: '{month}' is not a month like 2024-02")
    return month


def run_months(first: str, last: str, *, refresh_dependents: bool = True) -> bool:
    """Materialize ``first``..``last`` in one run (month order inside each asset), then refresh
    the loaded months that compare against them (their 环比/同比 bases changed)."""
    from hotline.report.pool import start_early
    from hotline.settings import Settings

    # every setting checked before a worker starts; then, before Dagster is imported, the report's
    # workers load their renderers meanwhile
    start_early(Settings.from_env().report_workers)
    from pipelines.execution import execute_months

    ok = execute_months(_instance(), first, last, refresh_dependents=refresh_dependents)
    return ok


def _with_console(args, work) -> int:
    """Run ``work()`` (True when it succeeded) with the command's console, then end with the status
    table of the months it ran."""
    from pipelines.console import RunConsole

    console = RunConsole.for_args(args)
    with console.active():
        ok = work()
    statuses, note = [], None
    if console.runs:
        from pipelines.readonly import WarehouseUnavailable

        try:
            statuses = _statuses(console.months())
        except WarehouseUnavailable as exc:
            note = f"hotline: no summary: {exc}"
    console.summary(statuses, ok, note)
    return 0 if ok else 1


def _statuses(months: list[str] | None):
    from hotline.settings import Settings
    from pipelines.readonly import read_warehouse
    from pipelines.status import month_statuses

    settings = Settings.from_env()
    with read_warehouse(settings.warehouse) as con:
        return month_statuses(con, _instance(), settings.reports_dir, months)


def cmd_run(args) -> int:
    month = _check_month(args.month)
    return _with_console(args, lambda: run_months(month, month))


def cmd_backfill(args) -> int:
    first, last = _check_month(args.first), _check_month(args.last)
    if first > last:
        raise SystemExit(f"hotline backfill: {first} is after {last}")
    return _with_console(args, lambda: run_months(first, last))


def cmd_status(args) -> int:
    from rich.console import Console

    from pipelines.console import PLAIN_WIDTH, print_status_table
    from pipelines.readonly import WarehouseUnavailable

    months = [_check_month(m) for m in args.months]
    try:
        statuses = _statuses(months or None)
    except WarehouseUnavailable as exc:
        print(f"hotline status: {exc}", file=sys.stderr)
        return 1
    if args.json:
        import json

        print(json.dumps([s.as_json() for s in statuses], ensure_ascii=False, default=str, indent=1))
        return 0
    if not statuses:
        print("hotline status: no month loaded yet")
        return 0
    terminal = sys.stdout.isatty()
    print_status_table(
        Console() if terminal else Console(width=PLAIN_WIDTH, no_color=True), statuses, plain=not terminal
    )
    for status in statuses:
        if status.reason:
            print(f"{status.month} {status.state}: {status.reason}")
    return 0


def cmd_trace(args) -> int:
    from rich.console import Console

    from hotline.settings import Settings
    from pipelines.readonly import WarehouseUnavailable, read_warehouse
    from pipelines.trace import UnknownUnit, render_table, to_csv, trace_unit

    month = _check_month(args.month)
    try:
        with read_warehouse(Settings.from_env().warehouse) as con:
            frame = trace_unit(con, month, args.unit)
    except (WarehouseUnavailable, UnknownUnit, LookupError) as exc:
        print(f"hotline trace: {exc}", file=sys.stderr)
        return 1
    if args.csv:
        sys.stdout.write(to_csv(frame))
    else:
        render_table(
            frame, Console() if sys.stdout.isatty() else Console(width=PLAIN_WIDTH_TRACE, no_color=True), args.orders
        )
    return 0


def cmd_validate(args) -> int:
    from hotline.contract.validate import validate_paths

    faults = validate_paths([Path(p) for p in args.paths], month=args.month)
    return 1 if faults else 0


def cmd_generate(args) -> int:
    from hotline.generator.synth import generate

    out = Path(args.out).resolve()
    generate(
        out,
        args.first,
        args.last,
        assignments_per_month=args.assignments,
        districts=args.districts,
        seed=args.seed,
        formats=tuple(args.format),
    )
    print(f"wrote synthetic data to {out}")
    return 0


def cmd_demo(args) -> int:
    from pipelines.demo import run_demo

    return _with_console(args, lambda: run_demo(_instance) == 0) if not _demo_refuses(args) else 2


def _demo_refuses(args) -> bool:
    """The demo never writes over an analyst's data: say so before any console starts."""
    from pipelines.demo import refuse_reason

    reason = refuse_reason()
    if reason:
        print(reason)
    return bool(reason)


def cmd_ui(args) -> int:
    from hotline.settings import PROJECT_ROOT
    from pipelines.instance import ensure_dagster_home

    env = dict(os.environ, DAGSTER_HOME=str(ensure_dagster_home()))
    command = [
        sys.executable,
        "-m",
        "dagster",
        "dev",
        "-w",
        str(PROJECT_ROOT / "workspace.yaml"),
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    print(
        f"Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={env['DAGSTER_HOME']}); Ctrl-C stops it",
        flush=True,
    )
    from pipelines.processes import run_until_signalled

    return run_until_signalled(command, env=env, cwd=PROJECT_ROOT)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="12345 hotline monthly report pipeline")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", help="data folder (default ./data or HOTLINE_DATA_DIR)")
    common.add_argument("--warehouse", help="DuckDB file (default DATA/warehouse.duckdb or HOTLINE_WAREHOUSE)")
    common.add_argument("--reports", help="reports folder (default ./reports or HOTLINE_REPORTS_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    output = argparse.ArgumentParser(add_help=False)
    output.add_argument(
        "--json", action="store_true", help="print one JSON document at the end, nothing while it runs"
    )
    output.add_argument("--verbose", action="store_true", help="show Dagster's log lines and every warning in full")
    p = sub.add_parser(
        "demo", parents=[common, output], help="write the bundled sample, materialize it and render the 2024-02 report"
    )
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("run", parents=[common, output], help="materialize one month end to end, report included")
    p.add_argument("month", help=MONTH_HELP)
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("backfill", parents=[common, output], help="materialize a range of months in one run")
    p.add_argument("first", help=MONTH_HELP)
    p.add_argument("last", help=MONTH_HELP)
    p.set_defaults(func=cmd_backfill)
    p = sub.add_parser(
        "status", parents=[common], help="what each month holds (rows, checks, report, stale); runs nothing"
    )
    p.add_argument("months", nargs="*", help="months to show (default: every loaded month)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser(
        "trace", parents=[common], help="why a unit scored what it did: counts and the orders that lost points"
    )
    p.add_argument("month", help=MONTH_HELP)
    p.add_argument("unit", help="the unit: its name, 简称 or an alias")
    p.add_argument("--csv", action="store_true", help="print CSV with every order number")
    p.add_argument(
        "--orders", type=int, default=20, help="order numbers shown per indicator in the table (default 20)"
    )
    p.set_defaults(func=cmd_trace)
    p = sub.add_parser("validate", parents=[common], help="check exports and reference files without loading them")
    p.add_argument("paths", nargs="+", help="files or folders (a month folder, exports, reference files)")
    p.add_argument("--month", help="the month an export belongs to, when its path does not say")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("generate", help="write synthetic data for any range of months and scale")
    p.add_argument("--out", required=True, help="data folder to write")
    p.add_argument("--from", dest="first", required=True, help=MONTH_HELP)
    p.add_argument("--to", dest="last", required=True, help=MONTH_HELP)
    p.add_argument("--assignments", type=int, default=11000, help="assignments per month (default 11000)")
    p.add_argument("--districts", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--format",
        action="append",
        choices=["csv", "gbk", "xlsx"],
        default=None,
        help="export file format(s) (repeatable; default csv)",
    )
    p.set_defaults(func=cmd_generate)
    p = sub.add_parser("ui", parents=[common], help="start the Dagster UI on this project")
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=3000)
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "format", None) is None and args.command == "generate":
        args.format = ["csv"]
    _apply_paths(args)
    return args.func(args)


def run_program(argv: list[str] | None = None) -> None:
    """The ``hotline`` program: main(), then an exit without the interpreter's teardown.

    Tearing down the ~3,000 modules a run loads (Dagster, DuckDB, polars, pandera, SQLAlchemy)
    takes a noticeable time after the work is done (BENCHMARKS.md). By then the run is over: the warehouse
    connection is closed, every report file written and synced, the Dagster instance's events stored. What is
    left is flushed here, then the process ends. (Code calling ``main()`` itself, like the tests,
    ends normally.)"""
    import logging

    from hotline.settings import SettingError

    try:
        code = main(argv)
    except SettingError as exc:  # a HOTLINE_* variable it cannot use: said in one line
        print(f"hotline: {exc}", file=sys.stderr)
        code = 2
    except SystemExit as exc:  # argparse's --help and usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except BaseException:
        logging.shutdown()
        raise  # a crash keeps Python's normal traceback and exit
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    run_program()
