"""``hotline demo``: the bundled 东昌府区 sample, materialized, with the February 2024 report."""

from pathlib import Path

from pipelines.settings import Settings

SAMPLE_MARKER = ".hotline-sample"
DEMO_MONTH = "2024-02"


def run_demo(get_instance) -> int:
    from generator.sample import FIRST_MONTH, LAST_MONTH, write_sample
    from pipelines.execution import execute_months

    settings = Settings.from_env()
    data = settings.data_dir
    marker = data / SAMPLE_MARKER
    if marker.exists():
        print(f"hotline demo: the sample is already in {data}; materializing it again (months are replaced, not duplicated)")
    elif data.exists() and any(p for p in data.iterdir() if p.name not in (".dagster",)):
        print(f"hotline demo: {data} already holds data and is not the demo's; the sample is never written over an "
              "analyst's data. Point --data (or HOTLINE_DATA_DIR) at an empty folder.")
        return 2
    else:
        print(f"hotline demo: writing the bundled sample to {data}")
        write_sample(data)
        marker.write_text("written by hotline demo\n", encoding="utf-8")
    instance = get_instance()
    if not execute_months(instance, FIRST_MONTH, LAST_MONTH, refresh_dependents=False):
        return 1
    report_dir = Path(settings.reports_dir) / DEMO_MONTH
    print(f"hotline demo: warehouse  {settings.warehouse}")
    print(f"hotline demo: report     {report_dir}")
    for path in sorted(report_dir.glob("*")) if report_dir.exists() else []:
        print(f"               {path}")
    return 0
