"""Public pages of Report a problem, under /reports/.

The new-report journey lives in :mod:`ecitizen.reports.report_views`; the
map, list, report pages and updates in :mod:`ecitizen.reports.views`; alerts
and the questionnaire in :mod:`ecitizen.reports.alert_views`.
"""

from django.urls import path

from ecitizen.reports import alert_views, mine_views, report_views, views

app_name = "reports"

urlpatterns = [
    # Browse: map and list, one report, photos, updates
    path("", views.report_list, name="list"),
    path("map.json", views.map_json, name="map_json"),
    path("mine/", mine_views.my_reports, name="mine"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/update/", views.report_update, name="update"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("updates/confirm/<str:token>/", views.confirm_update, name="confirm_update"),
    # Make a report
    path("new/", report_views.new_location, name="new"),
    path("new/category/", report_views.new_category, name="new_category"),
    path("new/details/", report_views.new_details, name="new_details"),
    path("new/check/", report_views.new_check, name="new_check"),
    path("new/sent/<int:pk>/", report_views.new_sent, name="new_sent"),
    path("confirm/<str:token>/", report_views.confirm, name="confirm"),
    # Alerts and the "is it fixed?" questionnaire
    path("alerts/", alert_views.alerts_home, name="alerts"),
    path("alerts/new/", alert_views.alert_new, name="alert_new"),
    path("<int:pk>/follow/", alert_views.follow, name="follow"),
    path("alerts/confirm/<str:token>/", alert_views.alert_confirm, name="alert_confirm"),
    path("alerts/unsubscribe/<str:token>/", alert_views.unsubscribe, name="unsubscribe"),
    path("questionnaire/<str:token>/", alert_views.questionnaire, name="questionnaire"),
]
