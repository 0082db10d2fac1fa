"""Placeholder: replaced by its owner while issue 5 is being built."""

app_name = "open311"
urlpatterns: list = []
