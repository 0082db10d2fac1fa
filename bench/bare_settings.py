"""Production settings plus one bench-only page: for ``bench/http_load.py`` only, never deployed.

Everything of ``config.settings.production`` (middleware, sessions, cache, whitenoise, DEBUG off),
with the root URLconf swapped for ``bench.bare_urls``: the site's own URLs plus the bare view that
reads one row by primary key, the baseline the real pages are compared with.
"""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
