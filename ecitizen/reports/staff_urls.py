"""Placeholder: replaced by its owner while issue 5 is being built."""

from django.http import Http404
from django.urls import path

app_name = "reports_staff"


def _placeholder(request, *args, **kwargs):
    raise Http404


urlpatterns = [path("<int:pk>/", _placeholder, name="detail")]
