"""Placeholder: replaced by its owner while issue 5 is being built."""

from django.http import Http404


def alert_confirm(request, *args, **kwargs):
    raise Http404


def alert_new(request, *args, **kwargs):
    raise Http404


def alerts_home(request, *args, **kwargs):
    raise Http404


def confirm(request, *args, **kwargs):
    raise Http404


def confirm_update(request, *args, **kwargs):
    raise Http404


def follow(request, *args, **kwargs):
    raise Http404


def map_json(request, *args, **kwargs):
    raise Http404


def new_category(request, *args, **kwargs):
    raise Http404


def new_check(request, *args, **kwargs):
    raise Http404


def new_details(request, *args, **kwargs):
    raise Http404


def new_location(request, *args, **kwargs):
    raise Http404


def new_sent(request, *args, **kwargs):
    raise Http404


def photo(request, *args, **kwargs):
    raise Http404


def questionnaire(request, *args, **kwargs):
    raise Http404


def report_detail(request, *args, **kwargs):
    raise Http404


def report_list(request, *args, **kwargs):
    raise Http404


def report_update(request, *args, **kwargs):
    raise Http404


def unsubscribe(request, *args, **kwargs):
    raise Http404
