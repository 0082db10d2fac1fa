"""Open311 GeoReport v2 under /open311/v2/: every endpoint as ``.xml`` (the standard's default) or ``.json``."""

from django.urls import path, re_path, register_converter

from ecitizen.reports.open311 import views


class FormatConverter:
    regex = "xml|json"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:fmt>", views.discovery, name="discovery"),
    path("services.<open311_format:fmt>", views.services, name="services"),
    path("services/<str:code>.<open311_format:fmt>", views.service_definition, name="service"),
    path("requests.<open311_format:fmt>", views.requests, name="requests"),
    path("requests/<str:request_id>.<open311_format:fmt>", views.request_detail, name="request"),
    path("tokens/<str:token>.<open311_format:fmt>", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found),
]
