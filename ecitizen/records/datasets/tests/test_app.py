from django.apps import apps

from ecitizen.records.datasets.apps import DatasetsConfig


def test_the_app_is_installed():
    assert isinstance(apps.get_app_config("datasets"), DatasetsConfig)
