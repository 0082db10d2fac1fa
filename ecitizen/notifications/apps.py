from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ecitizen.notifications"
    label = "notifications"
