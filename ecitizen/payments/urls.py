from django.urls import path

from ecitizen.payments import views

app_name = "payments"

urlpatterns = [
    path("", views.my_payments, name="index"),
    path("bills/<str:reference>/", views.bill_detail, name="bill"),
    path("bills/<str:reference>/pay/", views.pay, name="pay"),
    path("return/<str:reference>/", views.payment_return, name="return"),
    path("return/<str:reference>/status.json", views.payment_status_json, name="status_json"),
    path("receipts/<str:reference>/", views.receipt, name="receipt"),
    path("receipts/<str:reference>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("callback/<str:provider_name>/", views.provider_callback, name="callback"),
    path("sandbox/pay/<str:provider_id>/", views.sandbox_pay, name="sandbox_pay"),
    path("sandbox/pay/<str:provider_id>/cancel/", views.sandbox_cancel, name="sandbox_cancel"),
]
