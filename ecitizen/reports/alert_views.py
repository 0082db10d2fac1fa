"""Placeholder: replaced by its owner while issue 5 is being built."""

from django.http import Http404


def alert_confirm(request, *args, **kwargs):
    raise Http404


def alert_new(request, *args, **kwargs):
    raise Http404


def alerts_home(request, *args, **kwargs):
    raise Http404


def follow(request, *args, **kwargs):
    raise Http404


def questionnaire(request, *args, **kwargs):
    raise Http404


def unsubscribe(request, *args, **kwargs):
    raise Http404
