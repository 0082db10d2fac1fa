"""Referendums' staff pages (setup, trustees, sign-offs, counters, counting), mounted at /staff/referendums/."""

from django.urls import path

from ecitizen.voting.referendums import staff_views

app_name = "referendums_staff"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("new/", staff_views.new, name="new"),
    path("<int:pk>/", staff_views.detail, name="detail"),
    path("<int:pk>/edit/", staff_views.edit, name="edit"),
    path("<int:pk>/questions/new/", staff_views.question_new, name="question_new"),
    path("<int:pk>/questions/<int:question_pk>/", staff_views.question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_pk>/delete/", staff_views.question_delete, name="question_delete"),
    path("<int:pk>/keys/start/", staff_views.keys_start, name="keys_start"),
    path("<int:pk>/keys/restart/", staff_views.keys_restart, name="keys_restart"),
    path("<int:pk>/sign-off/", staff_views.setup_sign_off, name="setup_sign_off"),
    path("<int:pk>/trustee/", staff_views.trustee, name="trustee"),
    path("<int:pk>/trustee/setup.json", staff_views.trustee_setup_json, name="trustee_setup_json"),
    path("<int:pk>/trustee/deals.json", staff_views.trustee_deals_json, name="trustee_deals_json"),
    path("<int:pk>/trustee/tally.json", staff_views.trustee_tally_json, name="trustee_tally_json"),
    path("<int:pk>/trustee/<slug:step>/", staff_views.trustee_upload, name="trustee_upload"),
    path("<int:pk>/counter/", staff_views.counter, name="counter"),
    path("<int:pk>/ballot-papers/", staff_views.sheets, name="sheets"),
    path("<int:pk>/result/", staff_views.result, name="result"),
    path("<int:pk>/result/sign-off/", staff_views.result_sign_off, name="result_sign_off"),
    path("<int:pk>/result/publish/", staff_views.result_publish, name="result_publish"),
]
