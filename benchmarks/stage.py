"""``python -m benchmarks.stage MONTH GROUP[,GROUP…]``: materialize one month's asset groups (one
stage of the month run) with the project's definitions and instance, as ``hotline run`` does but
for those groups only. Exits 1 if the run fails."""

import sys


def main(argv: list[str]) -> int:
    month, groups = argv[0], argv[1].split(",")
    from dagster import AssetSelection

    from pipelines.cli import _instance
    from pipelines.execution import execute_months

    ok = execute_months(_instance(), month, month, refresh_dependents=False, selection=AssetSelection.groups(*groups))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
