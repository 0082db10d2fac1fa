"""Benchmarks (bench/): test settings, but a real database file instead of memory."""

from config.settings.test import *  # noqa: F403

if not DATABASE_URL:
    DATABASES["default"]["NAME"] = SQLITE_PATH
    DATABASES["default"]["TEST"] = {}
