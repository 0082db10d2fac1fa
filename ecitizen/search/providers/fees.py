"""Fees and taxes: the public fee schedule and each tax on it."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from ecitizen.payments.taxes import active_taxes
from ecitizen.search.registry import Entry, IndexedProvider
from ecitizen.search.texts import in_language


class FeesAndTaxesProvider(IndexedProvider):
    kind = "fees"
    label = _("Fees and taxes")
    order = 40

    def fingerprint(self) -> Hashable:
        # Taxes are few and have no updated_at: their searchable fields are the fingerprint.
        return repr(list(active_taxes().values_list("pk", "code", "name", "description", "agency__name")))

    def entries(self, language: str) -> Iterable[Entry]:
        schedule = reverse("fees:schedule")
        yield Entry(
            key="schedule",
            title=str(_("Fees and taxes")),
            url=schedule,
            summary=str(_("Every fee and tax you can be asked to pay, how much it is and when it is due.")),
            keywords=pgettext("search keywords", "fee fees tax taxes charge charges cost price how much pay"),
        )
        for tax in active_taxes():
            title, lang = in_language(tax.name, language)
            description, description_lang = in_language(tax.description, language)
            yield Entry(
                key=tax.pk,
                title=title,
                url=f"{schedule}#tax-{tax.pk}",
                summary=description if description_lang == lang else "",
                keywords=" ".join([tax.code.replace("-", " "), pgettext("search keywords", "tax taxes pay bill")]),
                meta=tax.agency.name,
                lang=lang,
            )
