"""Settings for ``bench/petitions.py`` only: the benchmark settings, tasks queued nowhere, DEBUG off."""

import os

from config.settings.bench import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DEBUG = False
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# Our views' rate limits are on, as in production (the test settings switch them off): signing over
# HTTP goes through the ``petition-sign`` limit. The benchmark gives each signer an address of its
# own (X-Forwarded-For from 127.0.0.1, a trusted proxy there), so the default rate holds; with
# --http-one-address every request comes from 127.0.0.1 and the rate is raised with this variable.
ECITIZEN_RATE_LIMITS_ENABLED = True
if os.environ.get("BENCH_PETITION_SIGN_RATE"):
    PETITION_SIGN_RATE = os.environ["BENCH_PETITION_SIGN_RATE"]
