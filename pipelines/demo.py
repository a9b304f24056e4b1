"""``hotline demo``: the bundled 东昌府区 sample, materialized, with the February 2024 report."""

from pathlib import Path

from hotline.settings import Settings

SAMPLE_MARKER = ".hotline-sample"
DEMO_MONTH = "2024-02"


def refuse_reason() -> str | None:
    """Why the demo must not write its sample into the data folder, or None."""
    data = Settings.from_env().data_dir
    if (data / SAMPLE_MARKER).exists():
        return None
    if data.exists() and any(p for p in data.iterdir() if p.name not in (".dagster",)):
        return (
            f"hotline demo: {data} already holds data and is not the demo's; the sample is never written over an "
            "analyst's data. Point --data (or HOTLINE_DATA_DIR) at an empty folder."
        )
    return None


def run_demo(get_instance, echo=None) -> int:
    from hotline.generator.sample import FIRST_MONTH, LAST_MONTH, write_sample
    from pipelines.console import active_console
    from pipelines.execution import execute_months

    console = active_console()
    echo = echo or (console.echo if console is not None else print)
    settings = Settings.from_env()
    data = settings.data_dir
    marker = data / SAMPLE_MARKER
    reason = refuse_reason()
    if reason:
        echo(reason)
        return 2
    if marker.exists():
        echo(
            f"hotline demo: the sample is already in {data}; materializing it again "
            "(months are replaced, not duplicated)"
        )
    else:
        echo(f"hotline demo: writing the bundled sample to {data}")
        write_sample(data)
        marker.write_text("written by hotline demo\n", encoding="utf-8")
    instance = get_instance()
    if not execute_months(instance, FIRST_MONTH, LAST_MONTH, refresh_dependents=False):
        return 1
    report_dir = Path(settings.reports_dir) / DEMO_MONTH
    echo(f"hotline demo: warehouse  {settings.warehouse}")
    files = sorted(p.name for p in report_dir.glob("*")) if report_dir.exists() else []
    documents = [name for name in files if not name.endswith(".png")]
    charts = len(files) - len(documents)
    # one line: the summary table is what the demo ends with
    echo(
        f"hotline demo: report     {report_dir}/ {', '.join(documents)}"
        + (f" and {charts} charts (PNG)" if charts else "")
    )
    return 0
