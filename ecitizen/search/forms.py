from django import forms
from django.utils.translation import gettext_lazy as _

MAX_QUERY_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search this site"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        error_messages={"max_length": _("Enter %(limit_value)d characters or fewer")},
    )
