"""Performance benchmarks of the month run against a hand-written DuckDB baseline
(``python -m benchmarks.run``). Not part of the test suite; see BENCHMARKS.md."""
