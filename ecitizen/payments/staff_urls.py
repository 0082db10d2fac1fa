from django.urls import path

from ecitizen.payments import staff_views as views

app_name = "payments_staff"

urlpatterns = [
    path("", views.index, name="index"),
    path("payment/<str:reference>/", views.payment_detail, name="payment"),
    path("payment/<str:reference>/refund/", views.refund_request, name="refund_request"),
    path("payment/<str:reference>/receipt/", views.payment_receipt, name="receipt"),
    path("refunds/", views.refunds_awaiting, name="refunds_awaiting"),
    path("refunds/<int:pk>/approve/", views.refund_approve, name="refund_approve"),
    path("refunds/<int:pk>/reject/", views.refund_reject, name="refund_reject"),
    path("settings/", views.payment_settings, name="settings"),
    path("settings/<int:agency_id>/confirm/", views.payment_settings_confirm, name="settings_confirm"),
    path("settings/<int:agency_id>/withdraw/", views.payment_settings_withdraw, name="settings_withdraw"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation/export/", views.reconciliation_csv, name="reconciliation_csv"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("counter/", views.counter, name="counter"),
    path("counter/<str:reference>/", views.counter_bill, name="counter_bill"),
]
