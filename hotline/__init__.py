"""The pipeline's core, free of Dagster: what the rules compute, callable from assets, the CLI and tests.

Nothing under ``hotline/`` imports Dagster (assets/ depends on hotline/, never the reverse)."""
