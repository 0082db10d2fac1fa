"""Settings for ``bench/petitions.py`` only: the benchmark settings, tasks queued nowhere, DEBUG off."""

from config.settings.bench import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
