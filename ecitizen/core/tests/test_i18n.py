"""Every page in Spanish, French and Arabic: catalogues complete, right-to-left for Arabic.

The compiled ``.mo`` files are built by ``make install`` (``compilemessages``);
the ``.po`` files are the source of truth and are checked here directly.
"""

from __future__ import annotations

import ast
import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
KEY_STRINGS = ["Skip to main content", "Sign in", "There is a problem", "Your account", "Create an account"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\w+\}")  # printf-style and str.format-style


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (a list: one per plural form), flags.

    Obsolete entries (``#~``) are skipped; the header is the entry whose msgid is empty.
    """
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def finish():
        if "msgid" in entry:
            entries.append(entry.copy())
        entry.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            field = None
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
        else:
            keyword, _space, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                if "msgid" not in entry:
                    continue
                entry.setdefault("msgstr", []).append(value)
                field = "msgstr"
            else:
                if keyword == "msgctxt" and "msgid" in entry:
                    finish()
                entry[keyword] = value
                field = keyword
    finish()
    for item in entries:
        item.setdefault("flags", set())
        item.setdefault("msgstr", [""])
    return entries


@pytest.fixture(scope="module", params=LANGUAGES)
def catalogue(request):
    path = po_path(request.param)
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make messages` and translate it")
    return request.param, parse_po(path)


def test_languages_are_spanish_french_and_arabic():
    assert set(LANGUAGES) == {"es", "fr", "ar"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", KEY_STRINGS)
def test_key_strings_are_translated(language, text):
    mo = po_path(language).with_suffix(".mo")
    if not mo.exists():
        pytest.fail(f"{mo} is missing: run `make compilemessages` (part of `make install`)")
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated
    assert translated != text


def test_catalogue_header(catalogue):
    language, entries = catalogue
    header = next(entry for entry in entries if entry["msgid"] == "")
    assert "fuzzy" not in header["flags"]
    text = header["msgstr"][0]
    assert f"Language: {language}\n" in text
    assert "charset=UTF-8" in text
    assert "Project-Id-Version: E-Citizen" in text
    assert "Plural-Forms: nplurals=" in text


def test_catalogue_is_complete_and_not_fuzzy(catalogue):
    language, entries = catalogue
    untranslated = [e["msgid"] for e in entries if e["msgid"] and not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if e["msgid"] and "fuzzy" in e["flags"]]
    assert not untranslated, f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


def test_plural_entries_have_every_form(catalogue):
    language, entries = catalogue
    header = next(entry for entry in entries if entry["msgid"] == "")["msgstr"][0]
    nplurals = int(re.search(r"nplurals=(\d+)", header).group(1))
    for entry in entries:
        if "msgid_plural" in entry:
            assert len(entry["msgstr"]) == nplurals, (language, entry["msgid"])


def test_translations_keep_the_placeholders(catalogue):
    """``%(name)s`` and ``{name}`` must survive translation; a plural form may drop the count
    only where it stands for a single number (Arabic "one", "two", "zero")."""
    language, entries = catalogue
    for entry in entries:
        if not entry["msgid"]:
            continue
        wanted = set(PLACEHOLDER.findall(entry["msgid"]))
        for form, text in enumerate(entry["msgstr"]):
            found = set(PLACEHOLDER.findall(text))
            assert found <= wanted | set(PLACEHOLDER.findall(entry.get("msgid_plural", ""))), (language, text)
            if "msgid_plural" in entry and language == "ar" and form <= 2:
                continue
            assert found >= wanted, (language, entry["msgid"], text)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_check_passes(language):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path(language))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="GNU gettext's msgattrib is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("option", ["--untranslated", "--only-fuzzy"])
def test_msgattrib_finds_nothing_left_to_do(language, option):
    result = subprocess.run(["msgattrib", option, str(po_path(language))], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", f"{language} {option}:\n{result.stdout[:2000]}"


@pytest.mark.django_db
def test_arabic_home_page_is_right_to_left(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    body = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl"' in body
    assert "build/app.rtl.css" in body
    assert "build/app.css" not in body
    with translation.override("ar"):
        assert translation.gettext("Skip to main content") in body


@pytest.mark.django_db
def test_spanish_home_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    body = client.get("/").content.decode()
    assert '<html lang="es" dir="ltr"' in body
    assert "build/app.css" in body
    assert "Saltar al contenido principal" in body
    assert "Iniciar sesión" in body
    assert "Skip to main content" not in body


@pytest.mark.django_db
def test_english_stays_the_default(client):
    body = client.get("/").content.decode()
    assert '<html lang="en" dir="ltr"' in body
    assert "Skip to main content" in body


@pytest.mark.parametrize(("language", "month"), [("es", "marzo"), ("fr", "mars"), ("ar", "مارس")])
def test_dates_use_the_language_month_names(language, month):
    template = Template('{{ d|date:"DATE_FORMAT" }}')
    with translation.override(language):
        rendered = template.render(Context({"d": datetime.date(2026, 3, 5)}))
    assert month in rendered
    assert "March" not in rendered
