from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.catalogue.models import IssuedKind
from ecitizen.core.policies import access
from ecitizen.core.ratelimits import rate_limited
from ecitizen.core.site import absolute_url
from ecitizen.documents import selectors
from ecitizen.documents.forms import RevokeForm, VerifyForm
from ecitizen.documents.models import IssuedDocument
from ecitizen.documents.pdf import render_document_pdf, verify_url
from ecitizen.documents.policies import document_policy
from ecitizen.documents.services import document_revoke


@login_required
@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    documents = selectors.documents_for_citizen(request.user)
    return render(request, "documents/list.html", {"documents": documents, "today": timezone.localdate()})


@login_required
@require_GET
def document_detail(request: HttpRequest, number: str) -> HttpResponse:
    document = access(document_policy, request.user, "view", number=number)
    return render(
        request, "documents/detail.html", {"document": document, "check_url": verify_url(document.token, request)}
    )


def _ascii_filename(document: IssuedDocument) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{document.kind}-{document.number}").strip("-.") + ".pdf"


@login_required
@require_GET
def document_pdf(request: HttpRequest, number: str) -> HttpResponse:
    document = access(document_policy, request.user, "view", number=number)
    response = HttpResponse(render_document_pdf(document, request=request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_ascii_filename(document)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _initials(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.split() if part)


@require_GET
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """The public check: anyone, signed in or not. Reads only; writes nothing."""
    form = VerifyForm(request.GET if "t" in request.GET else None)
    result = None
    if form.is_bound and form.is_valid():
        value = form.cleaned_data["t"]
        if form.is_token:
            result = selectors.document_verify(value)
        else:
            # Numbers can be guessed, so checks by number are limited per address.
            limited = rate_limited(request, "document_verify_number", "60/h/ip")
            if limited is not None:
                return limited
            result = selectors.document_verify_number(value)
    document = result.document if result is not None else None
    details = None
    public_log = selectors.document_log(document) if document is not None else None
    if document is not None:
        details = {
            "holder": _initials(document.holder_name) if result.by_number else document.holder_name,
            "kind": IssuedKind(document.kind).label,
            "title": document.display_title(),
            # What the holder answered that a checker needs (a registration, an address): only with
            # the signed code, which proves more than a number that anyone could type.
            "fields": [] if result.by_number else document.display_fields(),
            "number": document.number,
            "agency": document.agency.display_name,
            "valid_from": document.valid_from,
            "valid_until": document.valid_until,
        }
    context = {
        "form": form,
        "result": result,
        "details": details,
        "public_log": public_log,
        "jwks_url": absolute_url(reverse("documents_jwks"), request),
    }
    response = render(request, "documents/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> HttpResponse:
    """The public keys that verify documents, as a JWK Set (RFC 7517)."""
    response = JsonResponse(selectors.signing_jwks(), content_type="application/jwk-set+json")
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def document_revoke_view(request: HttpRequest, number: str) -> HttpResponse:
    document = access(document_policy, request.user, "revoke", view_action="staff_view", number=number)
    if request.method == "GET":
        from ecitizen.core.access_purposes import AccessPurpose
        from ecitizen.privacy.services import access_record

        access_record(
            staff=request.user,
            agency=document.agency,
            citizen=document.holder,
            purpose=AccessPurpose.DOCUMENT,
            reference=document.number,
            subject=document,
        )
    form = RevokeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and document.revoked_at is None:
        try:
            document_revoke(actor=request.user, document=document, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Document %(number)s has been revoked.") % {"number": document.number})
            return redirect("documents_staff:revoke", number=document.number)
    return render(request, "documents/revoke.html", {"document": document, "form": form})
