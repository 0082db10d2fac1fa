"""The site's URLs plus ``/bench/bare/<pk>``: a bare Django view that reads one row by primary key.

Served only under ``bench.bare_settings`` (``bench/http_load.py`` starts the servers with it);
``config.urls`` never includes it. The view goes through the same middleware, server and database
as the real pages, so "share of bare" in the benchmark's table is what a page costs beyond the
least a Django request with one query can cost.
"""

from django.http import Http404, HttpResponse
from django.urls import path

from config.urls import (  # noqa: F401 -- the error handlers are looked up in the root URLconf
    handler400,
    handler403,
    handler404,
    handler429,
    handler500,
)
from config.urls import urlpatterns as site_urlpatterns
from ecitizen.cases.models import Application


def bare(request, pk: int) -> HttpResponse:
    reference = Application.objects.filter(pk=pk).values_list("reference", flat=True).first()
    if reference is None:
        raise Http404
    return HttpResponse(reference, content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare/<int:pk>", bare), *site_urlpatterns]
