"""The JSON API root. Each app adds its router here; OpenAPI 3.1 at /api/docs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import SessionAuth

from ecitizen.accounts.selectors import identity_level_for, profile_for
from ecitizen.api.errors import document_common_errors


class PlatformAPI(NinjaAPI):
    """django-ninja's API, whose OpenAPI document also lists the errors every operation may
    answer (400 invalid input, 401 not signed in, 403 no CSRF token): see ``errors.py``."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return document_common_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = PlatformAPI(
    title=f"{settings.PLATFORM_NAME} API",
    version="1.0.0",
    description="JSON API of the E-Citizen platform. Session-authenticated calls need the CSRF token.",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": exc.errors}, status=400)


def _unparsable_body(request):
    errors = [{"type": "body_parsing", "loc": ["body"], "msg": "The request body cannot be parsed."}]
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": errors}, status=400)


@api.exception_handler(MultiPartParserError)
@api.exception_handler(SuspiciousOperation)
def _bad_body(request, exc):
    # A form body Django cannot read (a multipart type without a boundary, too many fields, too
    # large), met while checking the CSRF token: JSON like any other invalid input, not an HTML page.
    return _unparsable_body(request)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:
        return _unparsable_body(request)  # django-ninja's "Cannot parse request body"
    if exc.status_code == 403 and "CSRF" in str(exc.message):
        detail = _("The CSRF token is missing or wrong: send the CSRF cookie's value in the X-CSRFToken header.")
        return api.create_response(request, {"detail": detail, "code": "csrf"}, status=403)
    return api.create_response(request, {"detail": str(exc.message)}, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return api.create_response(request, {"detail": _("Sign in first.")}, status=401)


class MeOut(Schema):
    email: str
    identity_level: str
    preferred_language: str


class HealthOut(Schema):
    status: str


@api.get("/me", response=MeOut, auth=SessionAuth(), tags=["accounts"], summary="The signed-in account")
def me(request):
    user = request.auth
    return {
        "email": user.email,
        "identity_level": str(identity_level_for(user)),
        "preferred_language": profile_for(user).preferred_language,
    }


@api.get("/health", response=HealthOut, tags=["platform"], summary="Liveness check for load balancers")
def health(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


api.add_router("/payments", "ecitizen.payments.api.router")
api.add_router("/consultations", "ecitizen.engagement.consultations.api.router")
api.add_router("/petitions", "ecitizen.engagement.petitions.api.router")
api.add_router("/discussions", "ecitizen.engagement.discussions.api.router")
api.add_router("/feedback", "ecitizen.engagement.feedback.api.router")
