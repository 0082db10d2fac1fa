from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ecitizen.accounts import views as account_views
from ecitizen.api.api import api
from ecitizen.core import views as core_views
from ecitizen.dashboard import views as dashboard_views
from ecitizen.records.datasets import ckan_api

handler400 = "ecitizen.core.views.bad_request"
handler403 = "ecitizen.core.views.permission_denied"
handler404 = "ecitizen.core.views.page_not_found"
handler500 = "ecitizen.core.views.server_error"
handler429 = "ecitizen.core.views.too_many_requests"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("cookies/", core_views.cookies, name="cookies"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("brand.css", core_views.brand_css, name="brand_css"),
    path("language/", account_views.set_language, name="set_language"),
    # Our sessions page (audited "sign out everywhere else") stands in for allauth's.
    path("accounts/sessions/", account_views.sessions),
    path("accounts/", include("allauth.urls")),
    path("account/", include("ecitizen.accounts.urls")),
    path("staff/", include("ecitizen.agencies.urls")),
    path("staff/services/", include("ecitizen.catalogue.staff_urls")),
    path("staff/cases/", include("ecitizen.cases.staff_urls")),
    path("search/", include("ecitizen.search.urls")),
    path("services/", include("ecitizen.catalogue.urls")),
    path("applications/", include("ecitizen.cases.urls")),
    path("documents/", include("ecitizen.documents.urls")),
    path("staff/documents/", include("ecitizen.documents.staff_urls")),
    path(".well-known/jwks.json", include("ecitizen.documents.jwks_urls")),
    path("account/inbox/", include("ecitizen.notifications.urls")),
    path("payments/", include("ecitizen.payments.urls")),
    path("staff/payments/", include("ecitizen.payments.staff_urls")),
    path("staff/taxes/", include("ecitizen.payments.tax_urls")),
    path("fees/", include("ecitizen.payments.fee_urls")),
    path("account/privacy/", include("ecitizen.privacy.urls")),
    path("reports/", include("ecitizen.reports.urls")),
    path("staff/reports/", include("ecitizen.reports.staff_urls")),
    path("open311/v2/", include("ecitizen.reports.open311.urls")),
    path("staff/open311/", include("ecitizen.reports.open311.staff_urls")),
    path("log/", include("ecitizen.ledger.urls")),
    path("have-your-say/", include("ecitizen.engagement.urls")),
    path("staff/engagement/", include("ecitizen.engagement.staff_urls")),
    path("have-your-say/consultations/", include("ecitizen.engagement.consultations.urls")),
    path("staff/consultations/", include("ecitizen.engagement.consultations.staff_urls")),
    path("petitions/", include("ecitizen.engagement.petitions.urls")),
    path("staff/petitions/", include("ecitizen.engagement.petitions.staff_urls")),
    path("have-your-say/discussions/", include("ecitizen.engagement.discussions.urls")),
    path("staff/moderation/", include("ecitizen.engagement.discussions.staff_urls")),
    path("feedback/", include("ecitizen.engagement.feedback.urls")),
    path("data/", include("ecitizen.records.datasets.urls")),
    path("staff/data/", include("ecitizen.records.datasets.staff_urls")),
    path("information-requests/", include("ecitizen.records.foi.urls")),
    path("staff/information-requests/", include("ecitizen.records.foi.staff_urls")),
    path("staff/feedback/", include("ecitizen.engagement.feedback.staff_urls")),
    path("budgeting/", include("ecitizen.voting.budgeting.urls")),
    path("staff/budgeting/", include("ecitizen.voting.budgeting.staff_urls")),
    path("referendums/", include("ecitizen.voting.referendums.urls")),
    path("staff/referendums/", include("ecitizen.voting.referendums.staff_urls")),
    path("performance/", include("ecitizen.analytics.urls")),
    path("staff/analytics/", include("ecitizen.analytics.staff_urls")),
    # The open data catalogue's CKAN-compatible action API (before the site's own API under api/),
    # at /api/3/action/ and, as CKAN also serves it and ckanapi calls by default, at /api/action/.
    path("api/3/", include("ecitizen.records.datasets.ckan_urls")),
    path("api/action/<str:name>", ckan_api.action),
    path("api/action/<str:name>/", ckan_api.action),
    path("api/", api.urls),
    # The admin has no sign-in of its own: everyone signs in through allauth, with MFA.
    path(f"{settings.ADMIN_URL}login/", core_views.admin_login),
    path(settings.ADMIN_URL, admin.site.urls),
]
