"""Tests: fast hashing, mail kept in memory, fixed development keys."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghij")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "k2:" + "dGVzdC1rZXktdHdvLTMyLWJ5dGVzLWxvbmctLS0tLS0=")
os.environ.setdefault("BLIND_INDEX_KEY", "dGVzdC1ibGluZC1pbmRleC1rZXktMzItYnl0ZXMtLS0=")
os.environ.setdefault("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", "true")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if not DATABASE_URL:
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")
# Rate limits are exercised by their own tests, which switch them back on.
ACCOUNT_RATE_LIMITS = False
ECITIZEN_RATE_LIMITS_ENABLED = False
PRIVATE_MEDIA_ROOT = str(BASE_DIR / "var" / "test-private")

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# The sandbox card gateway is how the tests take payments (off in production unless enabled).
PAYMENTS_SANDBOX_ENABLED = True

# The demo witness's key file (ecitizen.demo.ledger): one directory per test process.
import tempfile as _tempfile  # noqa: E402

DEMO_WITNESS_DIR = _tempfile.mkdtemp(prefix="ecitizen-test-witness-")
