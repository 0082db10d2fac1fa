"""Staff analytics dashboards (``/staff/analytics/``)."""

from django.urls import path

from ecitizen.analytics import staff_views as views

app_name = "analytics_staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/<int:pk>/", views.service, name="service"),
    path("reports/", views.reports, name="reports"),
    path("workload/", views.workload, name="workload"),
    path("costs/", views.costs, name="costs"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="alert_delete"),
]
