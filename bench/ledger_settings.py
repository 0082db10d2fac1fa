"""Settings for ``bench/ledger.py`` only: the benchmark settings, with tasks queued nowhere.

Every :func:`ledger_record` queues an integration task after its commit; the benchmark integrates
itself, so the tasks go to the in-memory dummy queue (which the benchmark empties) instead of
running at once.
"""

from config.settings.bench import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DEBUG = False
