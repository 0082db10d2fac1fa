"""Development on one machine: `make run`. Debug on, e-mail printed to the console."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", "true")

from config.env import env_bool
from config.settings.base import *  # noqa: F403

# The sandbox card gateway (no money moves) is how `make run` takes payments.
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", True)

WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
