"""The pipeline's core, free of Dagster: what the rules compute, callable from assets, the CLI and tests.

Nothing under ``hotline/`` imports Dagster, ``assets`` or ``pipelines`` (pipelines → assets → hotline;
tests/test_layers.py checks it with import-linter)."""
