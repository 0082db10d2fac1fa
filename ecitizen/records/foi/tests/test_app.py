from django.apps import apps

from ecitizen.records.foi.apps import FoiConfig


def test_the_app_is_installed():
    assert isinstance(apps.get_app_config("foi"), FoiConfig)
