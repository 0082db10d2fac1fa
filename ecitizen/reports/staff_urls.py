"""The back office of Report a problem, mounted at /staff/reports/ (MFA enforced by middleware)."""

from django.urls import path

from ecitizen.reports import staff_views as views

app_name = "reports_staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.set_status, name="status"),
    path("<int:pk>/note/", views.add_note, name="note"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/forward/", views.forward, name="forward"),
    path("<int:pk>/hide/", views.hide, name="hide"),
    path("<int:pk>/unhide/", views.unhide, name="unhide"),
    path("updates/<int:pk>/hide/", views.update_hide, name="update_hide"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("moderation/", views.moderation, name="moderation"),
    path("categories/", views.categories, name="categories"),
    path("categories/new/", views.category_new, name="category_new"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("areas/", views.areas, name="areas"),
    path("areas/new/", views.area_new, name="area_new"),
    path("areas/<int:pk>/", views.area_detail, name="area_detail"),
    path("areas/<int:pk>/active/", views.area_active, name="area_active"),
]
