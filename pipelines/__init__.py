"""Dagster wiring of the 12345 hotline monthly-report pipeline: definitions, partitions,
resources, jobs, schedules, sensors and the ``hotline`` command line."""
