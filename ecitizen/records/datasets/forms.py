"""Forms of the open data catalogue: the staff's dataset and resource forms, and the public
pages' query strings (search, facets, the preview's sorting, filters and page). No writes here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ecitizen.core.forms import DateInput
from ecitizen.records.datasets.models import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    SPATIAL_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Dataset,
    Format,
    Frequency,
    Licence,
    Theme,
)
from ecitizen.records.datasets.selectors import FILTER_MAX_LENGTH, QUERY_MAX_LENGTH

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGES = [DEFAULT_LANGUAGE] + [code for code, _name in settings.LANGUAGES if code != DEFAULT_LANGUAGE]
PER_LANGUAGE_FIELDS = (
    ("title", _("Title"), TITLE_MAX_LENGTH, False),
    ("description", _("Description"), DESCRIPTION_MAX_LENGTH, True),
    ("spatial", _("Area covered"), SPATIAL_MAX_LENGTH, False),
)


def language_name(code: str) -> str:
    return get_language_info(code)["name_translated"]


class DatasetForm(forms.Form):
    """A dataset's metadata; the text fields once per language (``title_en``, ``title_es``...)."""

    name = forms.SlugField(
        label=_("Web address name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Lower-case letters, digits and hyphens, like bus-stops. It cannot change once published."),
        error_messages={
            "required": _("Enter a web address name"),
            "invalid": _("Use lower-case letters, digits and hyphens only"),
        },
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=1200,
        help_text=_("Separate keywords with commas, like buses, timetables."),
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=Licence.choices,
        initial=Licence.CC_BY_4_0,
        error_messages={"required": _("Choose a licence"), "invalid_choice": _("Choose a licence")},
    )
    frequency = forms.ChoiceField(
        label=_("How often is it updated?"),
        choices=Frequency.choices,
        initial=Frequency.IRREGULAR,
        error_messages={
            "required": _("Choose how often the data is updated"),
            "invalid_choice": _("Choose how often the data is updated"),
        },
    )
    temporal_start = forms.DateField(
        label=_("Period covered: from (optional)"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Enter a real date")},
    )
    temporal_end = forms.DateField(
        label=_("Period covered: to (optional)"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Enter a real date")},
    )

    def __init__(self, *args: Any, dataset: Dataset | None = None, **kwargs: Any) -> None:
        if dataset is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(dataset)
        super().__init__(*args, **kwargs)
        for code in LANGUAGES:
            for name, label, max_length, textarea in PER_LANGUAGE_FIELDS:
                text = {"label": label, "language": language_name(code)}
                if code == DEFAULT_LANGUAGE:
                    field_label = _("%(label)s (%(language)s)") % text
                else:
                    field_label = _("%(label)s (%(language)s, optional)") % text
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=field_label,
                    required=name == "title" and code == DEFAULT_LANGUAGE,
                    max_length=max_length,
                    widget=forms.Textarea(attrs={"rows": 5}) if textarea else forms.TextInput,
                    error_messages={"required": _("Enter the dataset's title")},
                )
        if dataset is not None and dataset.version > 0:
            # Published once: the address is kept so that links to it keep working.
            self.fields["name"].disabled = True
        order = ["name"] + [f"{n}_{DEFAULT_LANGUAGE}" for n, *_rest in PER_LANGUAGE_FIELDS]
        order += ["keywords", "themes", "licence", "frequency", "temporal_start", "temporal_end"]
        order += [f"{n}_{code}" for code in LANGUAGES[1:] for n, *_rest in PER_LANGUAGE_FIELDS]
        self.order_fields(order)

    @staticmethod
    def initial_for(dataset: Dataset) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": dataset.name,
            "keywords": ", ".join(dataset.keywords),
            "themes": dataset.themes,
            "licence": dataset.licence,
            "frequency": dataset.frequency,
            "temporal_start": dataset.temporal_start,
            "temporal_end": dataset.temporal_end,
        }
        for name, *_rest in PER_LANGUAGE_FIELDS:
            texts = getattr(dataset, name) or {}
            for code in LANGUAGES:
                initial[f"{name}_{code}"] = texts.get(code, "")
        return initial

    def data_for_service(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        data: dict[str, Any] = {
            "name": cleaned["name"],
            "keywords": [k for k in (cleaned.get("keywords") or "").split(",") if k.strip()],
            "themes": cleaned["themes"],
            "licence": cleaned["licence"],
            "frequency": cleaned["frequency"],
            "temporal_start": cleaned.get("temporal_start"),
            "temporal_end": cleaned.get("temporal_end"),
        }
        for name, *_rest in PER_LANGUAGE_FIELDS:
            data[name] = {code: cleaned.get(f"{name}_{code}", "") for code in LANGUAGES}
        return data


class NewDatasetForm(DatasetForm):
    """The dataset form with the publishing agency to choose when the user publishes for several."""

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies is not None and len(agencies) > 1:
            self.fields["agency"] = forms.ChoiceField(
                label=_("Publisher"),
                choices=[(a.pk, a.display_name) for a in agencies],
                error_messages={"required": _("Choose the publisher"), "invalid_choice": _("Choose the publisher")},
            )
            self.order_fields(["agency", *self.fields])


class ResourceForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH, error_messages={"required": _("Enter the resource's title")}
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=Format.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the file's format"), "invalid_choice": _("Choose the file's format")},
    )
    file = forms.FileField(label=_("Upload a file"), required=False)
    url = forms.URLField(
        label=_("Or give a link to it"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a link starting with https:// or http://")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from ecitizen.records.datasets import conf

        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "CSV, JSON, GeoJSON, XLSX or PDF, smaller than %(mb)d MB. A CSV file needs a first row of column "
            "names and UTF-8 text; it is shown as a table."
        ) % {"mb": conf.max_upload_bytes() // (1024 * 1024)}


class SearchForm(forms.Form):
    """The catalogue's query string; unknown facet values simply match nothing."""

    q = forms.CharField(label=_("Search datasets"), required=False, max_length=QUERY_MAX_LENGTH)
    publisher = forms.SlugField(required=False, max_length=100)
    theme = forms.CharField(required=False, max_length=10)
    format = forms.CharField(required=False, max_length=10)
    licence = forms.CharField(required=False, max_length=20)


class PreviewForm(forms.Form):
    """The preview's query string: ``sort`` (a column name), ``order`` and one ``f<N>`` text filter
    per column N. Column names are checked by the view against the resource's columns."""

    sort = forms.CharField(required=False, max_length=100)
    order = forms.ChoiceField(choices=[("asc", "asc"), ("desc", "desc")], required=False)

    def __init__(self, *args: Any, columns: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        for index, column in enumerate(columns):
            self.fields[f"f{index}"] = forms.CharField(
                label=_("Filter %(column)s") % {"column": column["id"]},
                required=False,
                max_length=FILTER_MAX_LENGTH,
            )

    def clean_sort(self) -> str:
        sort = self.cleaned_data.get("sort") or ""
        if sort and sort not in {c["id"] for c in self.columns}:
            raise forms.ValidationError(_("Choose a column of the table to sort by"), code="unknown_column")
        return sort

    def filters(self) -> dict[str, str]:
        return {
            column["id"]: self.cleaned_data[f"f{i}"].strip()
            for i, column in enumerate(self.columns)
            if (self.cleaned_data.get(f"f{i}") or "").strip()
        }
