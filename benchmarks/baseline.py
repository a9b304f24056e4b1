"""``python -m benchmarks.baseline DATA MONTH``: the hand-written baseline (benchmarks/baseline.sql)
on the data folder's CSV exports, in one in-memory DuckDB connection. Prints the marts' row counts."""

import sys
from pathlib import Path

SQL = Path(__file__).with_name("baseline.sql")


def shift(month: str, delta: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + mon - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def script(data: Path, month: str) -> str:
    import yaml

    from hotline.settings import DEFAULT_RULES_FILE

    points = yaml.safe_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))["scores"]["points"]
    return SQL.read_text(encoding="utf-8").format(
        data=data.resolve().as_posix(),
        month=month,
        last_month=shift(month, -1),
        last_year=shift(month, -12),
        **{f"points_{k}": v for k, v in points.items()},
    )


def main(argv: list[str]) -> int:
    import duckdb

    data, month = Path(argv[0]), argv[1]
    con = duckdb.connect()
    con.execute(script(data, month))
    for table in ("overview", "channel_counts", "request_type_shares", "hotspots", "unit_scores"):
        print(table, con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    orders = con.execute("SELECT orders FROM overview").fetchone()[0]
    print("orders", orders)
    return 0 if orders else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
