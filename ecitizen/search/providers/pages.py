"""The fixed places people look for: report a problem, pay, documents, verify, account, help pages.

The fee schedule is not here: it heads the "Fees and taxes" group
(:mod:`ecitizen.search.providers.fees`). Only pages whose address exists in this
deployment are listed (an app that is not installed has no URL to reverse). The
keywords are the words people type for each page that its title lacks; translators
translate them as a list of words.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecitizen.search.registry import Entry, IndexedProvider

# (URL name, title, summary, keywords)
PAGES = [
    (
        "reports:new",
        _("Report a problem"),
        _("Tell us about a problem in a street or public place, like a pot-hole or a broken street light."),
        pgettext_lazy(
            "search keywords",
            "report problem problems fault issue street road pavement pothole broken damage complaint fix",
        ),
    ),
    (
        "reports:list",
        _("Problems reported"),
        _("See on a map the problems people have reported, and follow what happens to them."),
        pgettext_lazy("search keywords", "reports map nearby near me local area status fixed"),
    ),
    (
        "reports:alerts",
        _("Get alerts about problems"),
        _("Get an email when a problem is reported near a place you choose."),
        pgettext_lazy("search keywords", "alert alerts email notify subscribe area nearby"),
    ),
    (
        "catalogue:index",
        _("Find a service"),
        _("Apply for permits, licences and certificates, and find what each one needs."),
        pgettext_lazy("search keywords", "services apply application permit licence license certificate"),
    ),
    (
        "payments:index",
        _("Pay a bill"),
        _("Pay a bill or a fee, see what you have paid and download receipts."),
        pgettext_lazy("search keywords", "pay payment payments bill bills fee fees tax receipt receipts refund"),
    ),
    (
        "cases:mine",
        _("Your applications"),
        _("Follow the applications you have made and answer requests for more information."),
        pgettext_lazy("search keywords", "application applications status progress track request"),
    ),
    (
        "documents:list",
        _("Your documents"),
        _("The permits, licences and certificates issued to you, to view or download."),
        pgettext_lazy("search keywords", "documents permit licence license certificate download pdf issued"),
    ),
    (
        "documents:verify",
        _("Verify a document"),
        _("Check that a permit, licence or certificate someone shows you is genuine and still valid."),
        pgettext_lazy("search keywords", "verify check genuine valid real fake qr code document number"),
    ),
    (
        "ledger:home",
        _("Public log"),
        _("Look up a document, a decision or a result in the public record that no one can quietly change."),
        pgettext_lazy("search keywords", "log ledger transparency record public audit proof witness blockchain"),
    ),
    (
        "accounts:overview",
        _("Your account"),
        _("Your details, identity check, sign-in and security settings."),
        pgettext_lazy("search keywords", "account profile details name address settings"),
    ),
    (
        "accounts:identity",
        _("Prove your identity"),
        _("Check your identity online so that you can use services that need it."),
        pgettext_lazy("search keywords", "identity verify verification id national register"),
    ),
    (
        "accounts:security",
        _("Sign-in and security"),
        _("Change your password, set up two-step sign-in or a passkey."),
        pgettext_lazy("search keywords", "password security two-factor mfa passkey authenticator code"),
    ),
    (
        "accounts:language",
        _("Change your language"),
        _("Choose the language of pages and emails."),
        pgettext_lazy("search keywords", "language English Español Français العربية idioma langue لغة"),
    ),
    (
        "notifications:inbox",
        _("Inbox"),
        _("Messages about your applications, payments and reports."),
        pgettext_lazy("search keywords", "inbox messages notifications email"),
    ),
    (
        "privacy:access_log",
        _("Who looked at your data"),
        _("Every time staff looked at your personal data, and why."),
        pgettext_lazy("search keywords", "privacy data personal access log who looked"),
    ),
    (
        "account_login",
        _("Sign in"),
        _("Sign in to your account."),
        pgettext_lazy("search keywords", "sign in login log in"),
    ),
    (
        "account_signup",
        _("Create an account"),
        _("Create an account to apply for services, pay and follow what you have done."),
        pgettext_lazy("search keywords", "create account register sign up signup new"),
    ),
    (
        "accessibility",
        _("Accessibility statement"),
        _("How accessible this site is, and how to ask for another format or report a problem with access."),
        pgettext_lazy("search keywords", "accessibility accessible screen reader disability wcag"),
    ),
    (
        "privacy",
        _("Privacy notice"),
        _("What personal data we keep, why, and your rights."),
        pgettext_lazy("search keywords", "privacy personal data gdpr rights"),
    ),
    (
        "cookies",
        _("Cookies"),
        _("The cookies this site sets and why."),
        pgettext_lazy("search keywords", "cookies cookie"),
    ),
]


def _path(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


class PagesProvider(IndexedProvider):
    kind = "pages"
    label = _("Pages")
    order = 10

    def entries(self, language: str) -> Iterable[Entry]:
        for name, title, summary, keywords in PAGES:
            url = _path(name)
            if url is not None:
                yield Entry(key=name, title=str(title), url=url, summary=str(summary), keywords=str(keywords))
