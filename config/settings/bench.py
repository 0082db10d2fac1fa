"""Benchmarks (bench/): test settings, but a real database file instead of memory."""

from config.settings.test import *  # noqa: F403

if not DATABASE_URL:  # noqa: F405
    DATABASES["default"]["NAME"] = SQLITE_PATH  # noqa: F405
    DATABASES["default"]["TEST"] = {}  # noqa: F405
