"""Settings shared by every environment. Values come from the environment (see config/env.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env_bool, env_int, env_list, env_str, load_dotenv

load_dotenv()

SECRET_KEY = env_str("SECRET_KEY")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI from our own static files
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "ecitizen.core",
    "ecitizen.scheduler",  # periodic jobs (PERIODIC_JOBS below); imports no other app
    "ecitizen.accounts",
    "ecitizen.agencies",
    "ecitizen.exchange",
    "ecitizen.catalogue",
    "ecitizen.cases",
    "ecitizen.documents",
    "ecitizen.notifications",
    "ecitizen.privacy",
    "ecitizen.payments",
    "ecitizen.reports",
    "ecitizen.search",
    "ecitizen.api",
    "ecitizen.ledger",  # the public transparency log; the apps that record acts import it
    # Have your say (docs/adr/0014): four apps, and the hub that links them.
    "ecitizen.engagement.discussions",
    "ecitizen.engagement.consultations",
    "ecitizen.engagement.petitions",
    "ecitizen.engagement.feedback",
    "ecitizen.engagement",
    "ecitizen.records.datasets",
    "ecitizen.records.foi",
    "ecitizen.voting.budgeting",
    "ecitizen.voting.referendums",
    "ecitizen.analytics",  # service-delivery rollups, dashboards and public performance pages
    "ecitizen.dashboard",
    "ecitizen.demo",  # seed_demo: depends on every app above, so core depends on none
]

MIDDLEWARE = [
    "ecitizen.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ecitizen.accounts.middleware.UserLanguageMiddleware",
    "ecitizen.accounts.language_urls.LanguageUrlMiddleware",  # ?lang=xx and /xx/… addresses
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, writing a session's "last seen" at most every few minutes.
    "ecitizen.accounts.session_activity.ThrottledUserSessionsMiddleware",
    "ecitizen.agencies.middleware.StaffMFARequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ecitizen.core.context_processors.platform",
                "ecitizen.agencies.context_processors.staff",
                "ecitizen.notifications.context_processors.inbox",
                "ecitizen.dashboard.navigation.staff_navigation",
            ],
            # display_date / display_datetime / display_time in every template, emails included.
            "builtins": ["ecitizen.core.templatetags.dates"],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite (WAL mode, immediate transactions) is the embedded default; set
# DATABASE_URL=postgres://... for PostgreSQL, the production database.
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3"))
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ecitizen_cache",
    }
}

# --- Accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, each loading the profile language with the user (one query).
AUTHENTICATION_BACKENDS = [
    "ecitizen.accounts.backends.ModelBackend",
    "ecitizen.accounts.backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: a minimum length, a blocklist of common passwords, nothing
# about composition (no "one digit, one symbol" rules), no forced expiry.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "ecitizen.accounts.validators.MaximumLengthValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:overview"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True  # the way in for a new browser when an account is under attack
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "ecitizen.accounts.adapter.AccountAdapter"
# allauth's forms with our labels (sentence case, plain words): ecitizen/accounts/allauth_forms.py
ACCOUNT_FORMS = {
    "login": "ecitizen.accounts.allauth_forms.LoginForm",
    "signup": "ecitizen.accounts.allauth_forms.SignupForm",
    "change_password": "ecitizen.accounts.allauth_forms.ChangePasswordForm",
    "set_password": "ecitizen.accounts.allauth_forms.SetPasswordForm",
    "reset_password_from_key": "ecitizen.accounts.allauth_forms.ResetPasswordKeyForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's defaults, stated so operators see them: per IP and per account.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    # Used by allauth only for second-factor codes: failed passwords are throttled by
    # SIGN_IN_FAILURE_RATES below, per address and account, without locking the owner out.
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
# Failed sign-ins (sliding windows, ecitizen.accounts.throttle): per client address and
# account together, per client address, and a much higher cap per account alone, so that
# someone elsewhere guessing a password cannot lock its owner out. Over a limit: 429.
SIGN_IN_FAILURE_RATES = {
    "address_account": env_str("SIGN_IN_FAILURES_PER_ADDRESS_AND_ACCOUNT", "5/5m"),
    "address": env_str("SIGN_IN_FAILURES_PER_ADDRESS", "20/5m"),
    "account": env_str("SIGN_IN_FAILURES_PER_ACCOUNT", "100/h"),
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("PLATFORM_NAME", "E-Citizen")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", False)
MFA_ADAPTER = "ecitizen.accounts.adapter.MFAAdapter"
MFA_FORMS = {"add_webauthn": "ecitizen.accounts.allauth_forms.AddWebAuthnForm"}
USERSESSIONS_TRACK_ACTIVITY = True
# A session's last-seen time and address are written at most once in this many seconds (not on every request).
SESSION_ACTIVITY_WRITE_SECONDS = env_int("SESSION_ACTIVITY_WRITE_SECONDS", 300)

SESSION_ENGINE = "ecitizen.accounts.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")  # the zone of HOLIDAYS_COUNTRY below
# Public holidays for working-day deadlines (ISO country code, optional subdivision).
HOLIDAYS_COUNTRY = env_str("HOLIDAYS_COUNTRY", "GB")
HOLIDAYS_SUBDIVISION = env_str("HOLIDAYS_SUBDIVISION", "ENG")
LANGUAGE_COOKIE_NAME = "ecitizen_language"
LANGUAGE_COOKIE_SECURE = False
LANGUAGE_COOKIE_SAMESITE = "Lax"
# One way of writing dates per language (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static and media files ---------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "E-Citizen <no-reply@localhost>")

# --- Maps ("Report a problem") --------------------------------------------------
# Map tiles: a Leaflet URL template ({s} subdomain, {z}/{x}/{y}); its scheme and
# host are allowed in the CSP img-src below. The OpenStreetMap default suits light
# use only (see the OSMF tile usage policy); busy deployments need their own tiles.
REPORTS_TILE_URL = env_str("REPORTS_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
# Shown in the corner of the map, as plain text (never HTML).
REPORTS_TILE_ATTRIBUTION = env_str("REPORTS_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
# Where the maps open when there is nothing else to show: (latitude, longitude), zoom.
REPORTS_MAP_CENTER = (52.02, 0.03)
REPORTS_MAP_ZOOM = 14
# Days after a report is confirmed before its reporter is asked "has it been fixed?".
REPORTS_QUESTIONNAIRE_DAYS = env_int("REPORTS_QUESTIONNAIRE_DAYS", 28)

# --- Open311 GeoReport v2 (/open311/v2/) ---------------------------------------
# The jurisdiction_id the API answers to ("" = the host of SITE_URL) and who app
# developers write to for a key ("" = PLATFORM_CONTACT_EMAIL).
OPEN311_JURISDICTION = env_str("OPEN311_JURISDICTION", "")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
# Posted requests per API key, reads per IP address ("amount/period": s, m, h or d).
OPEN311_RATE_POST = env_str("OPEN311_RATE_POST", "60/h")
OPEN311_RATE_GET = env_str("OPEN311_RATE_GET", "600/h")


def _tile_source(url: str) -> list[str]:
    """The CSP source of a tile URL template: scheme and host, a placeholder label as ``*``."""
    parts = urlsplit(url)
    if not parts.netloc:
        return []  # empty, or a path on our own origin: 'self' covers it
    labels = parts.netloc.rpartition("@")[2].split(".")
    if "{" in labels[0]:
        labels[0] = "*"  # https://{s}.tile.example -> https://*.tile.example
    if any("{" in label or "}" in label for label in labels):
        raise ImproperlyConfigured("REPORTS_TILE_URL may have a placeholder only in the first label of its host.")
    host = ".".join(labels)
    return [f"{parts.scheme}://{host}" if parts.scheme else host]


# --- Security -----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_source(REPORTS_TILE_URL)],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Reverse proxies in front of the web processes, as IP addresses or networks
# ("10.0.0.2,10.1.0.0/24"). Only a request arriving from one of them has its
# X-Forwarded-For (the visitor's IP for rate limits and audit rows) and its
# X-Request-ID believed. Empty (the default): no proxy is trusted.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
if env_int("TRUSTED_PROXY_COUNT", 0):
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is replaced by TRUSTED_PROXIES: list the proxies' addresses.")

# --- Personal data encryption -------------------------------------------------
# A keyring separate from SECRET_KEY: "kid:base64key,kid:base64key" -- the first
# key encrypts, every key decrypts. BLIND_INDEX_KEY keys the HMAC used for exact
# look-ups of encrypted values. Generate with `manage.py generate_keys`.
FIELD_ENCRYPTION_KEYS = env_str("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY")

# --- The deployment's brand ---------------------------------------------------
PLATFORM_NAME = env_str("PLATFORM_NAME", "E-Citizen")
# Absolute address of the site, for links in emails sent outside a request.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# TrueType fonts (paths) for the characters the bundled PDF font lacks, e.g. Chinese, Japanese, Korean:
# /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf from Debian's fonts-droid-fallback.
PDF_FALLBACK_FONTS = env_list("PDF_FALLBACK_FONTS", [])
PLATFORM_LOGO_URL = env_str("PLATFORM_LOGO_URL", "/static/img/logo.svg")
PLATFORM_BRAND_COLOUR = env_str("PLATFORM_BRAND_COLOUR", "#1d5b79")
PLATFORM_LINK_COLOUR = env_str("PLATFORM_LINK_COLOUR", "#1a5a96")
PLATFORM_CONTACT_EMAIL = env_str("PLATFORM_CONTACT_EMAIL", "help@localhost")

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ecitizen.core.logfilters.RequestIdLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

ADMIN_URL = env_str("ADMIN_URL", "django-admin/")
FORM_RENDERER = "ecitizen.core.forms.GovukFormRenderer"

# --- Background work -----------------------------------------------------------
# Tasks are rows in the database; `manage.py run_worker` (any number of them, each with a stable
# --worker-id) runs them: django-tasks-db's db_worker, first taking back a task its last process left.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Periodic jobs -------------------------------------------------------------
# Every job that runs on a timetable, in one place. `manage.py run_scheduler` (one per deployment;
# more are safe, each due run is claimed once) queues each when it is due and the task workers run
# it; runs are logged in the admin (Periodic jobs). "every": a timedelta counted from midnight UTC;
# "at": "HH:MM" daily in TIME_ZONE. Keys and defaults: ecitizen/scheduler/jobs.py.
import datetime as _dt  # noqa: E402

from django.utils.translation import gettext_lazy as _  # noqa: E402

PERIODIC_JOBS = {
    "count-budget-votes": {
        "task": "ecitizen.voting.budgeting.result_services.results_count_due_task",
        "every": _dt.timedelta(minutes=30),
        "description": _(
            "Counts the votes of participatory budgets whose voting has closed, so that staff can check "
            "and publish the results."
        ),
    },
    "analytics-hourly": {
        "task": "ecitizen.analytics.tasks.rollup_hourly_task",
        "every": _dt.timedelta(hours=1),
        "offset": _dt.timedelta(minutes=7),
        "timeout": _dt.timedelta(minutes=30),
        "description": _(
            "Recomputes the analytics rollups of the days that changed since the last run, the backlog and "
            "workload snapshots, and notifies agency admins of alerts that crossed their threshold."
        ),
    },
    "analytics-daily": {
        "task": "ecitizen.analytics.tasks.rollup_daily_task",
        "at": "02:30",
        "timeout": _dt.timedelta(hours=2),
        "description": _(
            "Recomputes the analytics rollups of the last weeks, where drafts that were never sent are counted "
            "by the page they stopped on."
        ),
    },
    "referendums-open-and-close": {
        "task": "ecitizen.voting.referendums.opening_services.referendums_due_task",
        "every": _dt.timedelta(minutes=5),
        "description": _(
            "Opens referendums whose voting has started (freezing the electorate and sending the credentials) "
            "and sums the ballots of those whose voting has closed, for the trustees to decrypt."
        ),
    },
    "close-petitions": {
        "task": "ecitizen.engagement.petitions.services.petitions_sweep_task",
        "every": _dt.timedelta(minutes=15),
        "description": _(
            "Closes petitions at the end of their period, records their final count in the public log, "
            "and marks thresholds reached."
        ),
    },
    "discussions-daily-digest": {
        "task": "ecitizen.engagement.discussions.services.digests_send_task",
        "at": "07:00",
        "description": _(
            "Sends the daily digest of new comments to people who chose one email a day "
            "(once per person per day; running it again sends nothing)."
        ),
    },
    "expire-payments": {
        "command": "expire_payments",
        "every": _dt.timedelta(minutes=5),
        "description": _("Ends payments still in progress after their expiry; sends again refunds waiting to be sent."),
    },
    "apply-tax-penalties": {
        "task": "ecitizen.payments.taxes.penalties_apply_task",
        "at": "00:30",
        "description": _("Adds late payment penalties to unpaid tax bills (running it twice a day changes nothing)."),
    },
    "purge-draft-photos": {
        "command": "purge_draft_photos",
        "at": "03:30",
        "description": _("Deletes photos of problem reports that were never sent, after 24 hours."),
    },
    "clear-sessions": {
        "command": "clearsessions",
        "at": "03:45",
        "description": _("Deletes expired sessions."),
    },
    "prune-task-results": {
        "command": "prune_db_task_results",
        "kwargs": {"min_age_days": 14},
        "at": "04:00",
        "description": _("Deletes the results of background tasks finished more than 14 days ago."),
    },
    "prune-job-runs": {
        "task": "ecitizen.scheduler.services.runs_prune",
        "kwargs": {"keep_days": 30},
        "at": "04:15",
        "description": _("Deletes the log of periodic job runs older than 30 days."),
    },
    "reconcile-payments": {
        "command": "reconcile_payments",
        "at": "06:00",
        "description": _("Compares yesterday's payments with the provider's records; fails when they differ."),
    },
    "ledger-checkpoint": {
        "task": "ecitizen.ledger.services.checkpoint_task",
        "every": _dt.timedelta(minutes=1),
        "timeout": _dt.timedelta(minutes=5),
        "description": _("Adds waiting entries to the public log and signs a new checkpoint when it grew."),
    },
    "ledger-audit-checkpoint": {
        "task": "ecitizen.ledger.audit.audit_checkpoint_task",
        "every": _dt.timedelta(minutes=10),
        "description": _("Records a hash of the audit log's new rows in the public log."),
    },
    "foi-reminders": {
        "task": "ecitizen.records.foi.services.foi_reminders_task",
        "at": "07:30",
        "description": _(
            "Reminds agency staff of information requests due within FOI_REMINDER_DAYS working days "
            "(once per deadline; running it again sends nothing)."
        ),
    },
    "send-questionnaires": {
        "task": "ecitizen.reports.tasks.send_questionnaires",
        "at": "10:00",
        "description": _("Asks reporters, once, whether their problem was fixed (REPORTS_QUESTIONNAIRE_DAYS on)."),
    },
}

# --- Public log (ecitizen.ledger) ----------------------------------------------------
# The log's name on every checkpoint, for as long as the log lives: set it once, never change it.
# Empty: "<host of SITE_URL>/log".
LEDGER_ORIGIN = env_str("LEDGER_ORIGIN", "")
# After a key rotation the retired checkpoint key keeps co-signing this long.
LEDGER_KEY_OVERLAP = _dt.timedelta(days=env_int("LEDGER_KEY_OVERLAP_DAYS", 30))
# Audit rows younger than this wait for the next audit checkpoint, so that a transaction that wrote
# a row and has not committed yet is not skipped (keep it above the longest transaction you run).
LEDGER_AUDIT_SETTLE = _dt.timedelta(seconds=env_int("LEDGER_AUDIT_SETTLE_SECONDS", 300))

# --- Payments -----------------------------------------------------------------
# Providers by name. "sandbox" is the built-in test gateway (no money moves);
# "stripe" needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.
PAYMENT_PROVIDERS = {
    "sandbox": "ecitizen.payments.providers.sandbox.SandboxProvider",
    "stripe": "ecitizen.payments.providers.stripe.StripeProvider",
}
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "sandbox")
PAYMENT_EXPIRY_MINUTES = env_int("PAYMENT_EXPIRY_MINUTES", 90)
# Signs the sandbox's callbacks, as a real gateway signs its webhooks.
SANDBOX_CALLBACK_SECRET = env_str("SANDBOX_CALLBACK_SECRET", "sandbox-callback-secret-change-me")
SANDBOX_CONFIRM_DELAY_SECONDS = env_int("SANDBOX_CONFIRM_DELAY_SECONDS", 0)
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")

# --- Uploads ------------------------------------------------------------------
# Citizens' files live outside the web root and are served only by views that
# check permission. PRIVATE_MEDIA_ROOT should be shared storage when several
# web processes run on several machines.
PRIVATE_MEDIA_ROOT = env_str("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private"))
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Images above this many pixels are refused from their header, before any decoding (decompression bombs).
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 24_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
