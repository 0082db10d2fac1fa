"""Public performance pages and their open data (``/performance/``).

The fixed addresses (``data/``, ``services/``) come before ``<agency>/``: an agency whose slug
were ``data`` or ``services`` would have its page shadowed, so those two slugs cannot show one.
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
    path("<slug:agency>/", public_views.agency, name="agency"),
    path("<slug:agency>/embed/", public_views.agency_embed, name="agency_embed"),
]
