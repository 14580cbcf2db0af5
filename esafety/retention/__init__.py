"""Retention schedules, purges and subject-access bundles."""
