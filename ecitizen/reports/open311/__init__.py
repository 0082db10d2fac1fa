"""Open311 GeoReport v2: the API third-party apps use to read and post problem reports."""
