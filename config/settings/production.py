"""Production: everything in base, hardened. Every secret must come from the environment."""

from config.env import env_bool, env_int, env_str
from config.settings.base import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^api/health$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# The __Host- prefix pins a cookie to this exact host, over HTTPS, path "/".
SESSION_COOKIE_NAME = "__Host-sessionid"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ecitizen_cache",
    }
}

# The sandbox gateway moves no money and signs its callbacks with a shared secret: it is off in
# production unless a demo deployment turns it on explicitly (and then sets SANDBOX_CALLBACK_SECRET,
# or `check --deploy` fails). Off, it is not a provider at all: no card page, no callback URL.
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", False)
if not PAYMENTS_SANDBOX_ENABLED:
    PAYMENT_PROVIDERS = {name: path for name, path in PAYMENT_PROVIDERS.items() if name != "sandbox"}
    PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "stripe")
