from django.urls import path, re_path

from ecitizen.ledger import protocol_views, views

app_name = "ledger"

urlpatterns = [
    # For people: what the log is, looking an entry up, an entry with its proof.
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("entries/<int:index>/", views.entry, name="entry"),
    # For machines: the checkpoint, tiles and the JSON API.
    path("checkpoint", protocol_views.checkpoint, name="checkpoint"),
    re_path(r"^tile/entries/(?P<path>[x0-9/]+(?:\.p/[0-9]+)?)$", protocol_views.entries_tile, name="entries_tile"),
    re_path(r"^tile/(?P<level>[0-9])/(?P<path>[x0-9/]+(?:\.p/[0-9]+)?)$", protocol_views.tile, name="tile"),
    path("api/entries/<int:index>", protocol_views.entry, name="api_entry"),
    path("api/consistency", protocol_views.consistency, name="api_consistency"),
    path("api/lookup", protocol_views.lookup, name="api_lookup"),
    path("api/keys", protocol_views.keys, name="api_keys"),
    path("api/cosign", protocol_views.cosign, name="api_cosign"),
]
