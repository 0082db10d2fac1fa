"""Placeholder: replaced by its owner while issue 5 is being built."""

from django.http import Http404


def confirm(request, *args, **kwargs):
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
