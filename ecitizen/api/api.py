"""The JSON API root. Each app adds its router here; OpenAPI 3.1 at /api/docs."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import SessionAuth

from ecitizen.accounts.selectors import identity_level_for, profile_for

api = NinjaAPI(
    title=f"{settings.PLATFORM_NAME} API",
    version="1.0.0",
    description="JSON API of the E-Citizen platform. Session-authenticated calls need the CSRF token.",
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": _("The request is not valid."), "errors": exc.errors}, status=400)


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
