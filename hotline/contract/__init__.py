"""The input contract: finding a month's files, reading them, judging their values."""
