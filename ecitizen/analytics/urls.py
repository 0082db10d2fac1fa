"""Public performance pages and their open data (``/performance/``).

Agencies have a prefix of their own (``agencies/<slug>/``), so that no agency slug can be
shadowed by a fixed address (``data/``, ``services/``) or shadow one added later.
"""

from django.urls import path

from ecitizen.analytics import public_views

app_name = "performance"

urlpatterns = [
    path("", public_views.overview, name="overview"),
    path("data/", public_views.data, name="data"),
    path("data/services.csv", public_views.data_csv, name="data_csv"),
    path("data/services.json", public_views.data_json, name="data_json"),
    path("services/<slug:service>/", public_views.service, name="service"),
    path("services/<slug:service>/embed/", public_views.service_embed, name="service_embed"),
    path("agencies/<slug:agency>/", public_views.agency, name="agency"),
    path("agencies/<slug:agency>/embed/", public_views.agency_embed, name="agency_embed"),
]
