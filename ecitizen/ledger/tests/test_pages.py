"""The public log's pages for people: /log/, /log/search/ and /log/entries/<n>/."""

from __future__ import annotations

import base64
import html
import re

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.http import HttpResponse

from ecitizen.ledger import merkle, note, selectors, services, views
from ecitizen.ledger.models import LogEntry, Witness

pytestmark = pytest.mark.django_db

ISSUED = "CC-2026-000123"
DECIDED = "CC-2026-000456"
COSIGNED_AT = 1_796_000_000  # 2026-11-30


def _record(kind: str, key: str, **body) -> None:
    services.ledger_record(kind=kind, key=key, body=body)


@pytest.fixture
def log(settings):
    """A log like the demo's: a document issued, a decision, an audit checkpoint; signed and cosigned."""
    settings.LEDGER_ORIGIN = "gov.example/log"
    _record(
        "document.issued",
        ISSUED,
        agency="city-council",
        document_kind="permit",
        valid_from="2026-12-01",
        valid_until=None,
        token_sha256="ab" * 32,
        kid="doc-key-1",
    )
    _record("case.decided", DECIDED, agency="city-council", outcome="approved")
    _record("audit.checkpoint", "audit:1-40", from_id=1, to_id=40, count=40, digest="cd" * 32)
    services.ledger_integrate()
    checkpoint = services.ledger_checkpoint()
    private = Ed25519PrivateKey.generate()
    witness = Witness.objects.create(
        name="witness.example",
        vkey=note.vkey("witness.example", note.public_bytes(private), note.ALG_COSIGNATURE_V1),
        description="The Open Records Trust",
    )
    line = note.cosign(checkpoint.text, witness.name, private, COSIGNED_AT).line()
    services.ledger_cosign(size=checkpoint.size, line=line)
    return checkpoint


def _text(response: HttpResponse) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- /log/ -------------------------------------------------------------------------------------


def test_home_explains_the_log_and_shows_the_latest_checkpoint(client, log):
    response = client.get("/log/")
    assert response.status_code == 200
    text = _text(response)
    assert "Nobody, including us, can change or remove an entry without it showing." in text
    assert "Number of entries 3" in text
    assert base64.b64encode(bytes(log.root)).decode() in text
    key = services.ledger_key_current()
    assert f"Signed with the key {key.vkey}" in text  # auditors pin this key
    assert "witness.example, on 30 November 2026" in text  # the witness's cosignature and its time
    assert "The Open Records Trust" in text  # the registered witnesses
    assert f"python -m ecitizen.ledger.verify --log http://testserver/log/ --key {key.vkey}" in text
    body = response.content.decode()
    for url in ("/log/checkpoint", "/log/api/keys"):
        assert f'href="{url}"' in body
    assert 'action="/log/search/"' in body and 'name="q"' in body and 'method="get"' in body


def test_home_shows_a_retired_key_that_still_signs_during_the_overlap(client, log):
    old = services.ledger_key_current()
    new = services.ledger_key_rotate(actor=None)
    services.ledger_integrate()
    services.ledger_checkpoint()
    text = _text(client.get("/log/"))
    assert old.vkey in text and new.vkey in text
    assert "Replaced on" in text


def test_home_before_the_first_checkpoint(client):
    response = client.get("/log/")
    assert response.status_code == 200
    text = _text(response)
    assert "The log has no checkpoint yet." in text
    assert "No witnesses are registered yet." in text
    assert "Root hash" not in text


def test_the_site_links_to_the_public_log(client):
    body = client.get("/").content.decode()
    assert body.count('href="/log/"') >= 2  # the home page's list and the footer
    assert 'href="/log/"' in client.get("/documents/verify/").content.decode()  # the footer, everywhere


# --- /log/search/ ------------------------------------------------------------------------------


def test_search_finds_the_entries_for_a_document_number(client, log):
    response = client.get("/log/search/", {"q": ISSUED})
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    text = _text(response)
    assert f"Entries for “{ISSUED}”" in text
    assert "Entry 0 Document issued" in text
    assert 'href="/log/entries/0/"' in response.content.decode()
    assert "Entry 1" not in text


def test_search_finds_a_reference_typed_in_lower_case_and_with_spaces(client, log):
    text = _text(client.get("/log/search/", {"q": f"  {DECIDED.lower()} "}))
    assert "Entry 1 Decision on an application" in text


def test_search_says_when_nothing_is_found(client, log):
    response = client.get("/log/search/", {"q": "CC-2026-999999"})
    assert response.status_code == 200
    text = _text(response)
    assert "No entry found" in text
    assert "There is no entry for “CC-2026-999999” in the log." in text


def test_search_shows_entries_still_waiting_to_be_added(client, log):
    _record("document.revoked", ISSUED, revoked_on="2026-12-06", backfill=True)  # not integrated yet
    text = _text(client.get("/log/search/", {"q": ISSUED}))
    assert "Entry 0 Document issued" in text
    assert "Waiting to be added" in text
    assert "Document revoked, recorded on" in text
    services.ledger_integrate()
    text = _text(client.get("/log/search/", {"q": ISSUED}))
    assert "Waiting to be added" not in text
    assert "Entry 3 Document revoked" in text
    text = _text(client.get("/log/entries/3/"))
    assert "Revoked on 6 December 2026" in text and "Recorded after the event Yes" in text


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", "Enter a document number or an application reference"),
        ("   ", "Enter a document number or an application reference"),
        ("x" * 201, "Enter 200 characters or fewer"),
    ],
)
def test_search_shows_an_error_at_the_field_for_bad_input(client, log, query, error):
    response = client.get("/log/search/", {"q": query})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert f'<a href="#id_q">{error}</a>' in body  # the summary links to the field
    assert 'id="id_q-error"' in body and "govuk-input--error" in body
    assert "<title>Look something up in the public log – Error" in body
    assert "No entry found" not in body


def test_search_without_a_query_shows_the_form_without_an_error(client, log):
    response = client.get("/log/search/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="q"' in body and "govuk-error-summary" not in body and "No entry found" not in body


def test_search_is_rate_limited_per_address(client, log, monkeypatch):
    calls = []

    def limited(request, action, rate, key=None):
        calls.append((action, rate))
        return HttpResponse("slow down", status=429)

    monkeypatch.setattr(views, "rate_limited", limited)
    response = client.get("/log/search/", {"q": ISSUED})
    assert response.status_code == 429
    assert calls == [("ledger_search", "120/m/ip")]


# --- /log/entries/<n>/ --------------------------------------------------------------------------


def _proof_hashes(body: str) -> list[bytes]:
    listed = re.search(r'<ol class="govuk-list govuk-list--number" id="proof-hashes">(.*?)</ol>', body, re.S)
    return [base64.b64decode(h) for h in re.findall(r"<code[^>]*>([A-Za-z0-9+/=]+)</code>", listed.group(1))]


def test_entry_page_shows_the_entry_in_words_and_as_stored(client, log):
    response = client.get("/log/entries/0/")
    assert response.status_code == 200
    text = _text(response)
    assert "Public log, entry 0 Document issued" in text
    assert f"Number or reference {ISSUED}" in text
    assert "Kind of document permit" in text
    assert "Valid from 1 December 2026" in text
    assert "Valid until Does not expire" in text
    assert "Key that signed the document doc-key-1" in text
    entry = LogEntry.objects.get(index=0)
    assert entry.text in text  # the exact JSON
    assert base64.b64encode(entry.leaf_hash).decode() in text
    decided = _text(client.get("/log/entries/1/"))
    assert "Decision on an application" in decided and "Decision Approved" in decided


def test_entry_page_shows_a_proof_that_verifies_against_the_checkpoint(client, log):
    for index in range(3):
        body = client.get(f"/log/entries/{index}/").content.decode()
        hashes = _proof_hashes(body)
        assert hashes == selectors.inclusion_proof(index, 3)
        entry = LogEntry.objects.get(index=index)
        shown_root = re.search(r'id="proof-root">([^<]+)<', body).group(1)
        assert base64.b64decode(shown_root) == bytes(log.root)
        merkle.verify_inclusion(entry.leaf_hash, index, 3, hashes, bytes(log.root))
        assert f'href="/log/api/entries/{index}?size=3"' in body


def test_entry_added_after_the_latest_checkpoint_has_no_proof_yet(client, log):
    _record("case.decided", "CC-2026-000789", outcome="refused")
    services.ledger_integrate()
    text = _text(client.get("/log/entries/3/"))
    assert "Decision Refused" in text
    assert "This entry was added after the latest checkpoint." in text
    services.ledger_checkpoint()
    body = client.get("/log/entries/3/").content.decode()
    merkle.verify_inclusion(
        LogEntry.objects.get(index=3).leaf_hash, 3, 4, _proof_hashes(body), bytes(selectors.latest_checkpoint().root)
    )


def test_an_entry_of_an_unknown_kind_is_shown_by_its_code(client, log):
    _record("result.published", "R-1", title="Budget vote")
    services.ledger_integrate()
    text = _text(client.get("/log/entries/3/"))
    assert "Public log, entry 3 result.published" in text
    assert "title Budget vote" in text


@pytest.mark.parametrize("index", [3, 999, 1 << 62, 10**30])
def test_an_entry_not_in_the_log_is_not_found(client, log, index):
    response = client.get(f"/log/entries/{index}/")
    assert response.status_code == 404
    assert "Entry not found" in _text(response)


def test_entry_text_is_escaped_everywhere(client, log):
    key = "<script>alert('key')</script>"
    _record("document.issued", key, agency="<b>bold</b>", note='"><img src=x onerror=alert(1)>')
    services.ledger_integrate()
    services.ledger_checkpoint()
    for url in ("/log/entries/3/", f"/log/search/?q={key}"):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body
        assert "<b>bold" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get("/log/entries/3/").content.decode()


def test_pages_write_nothing(client, log):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        for url in ("/log/", f"/log/search/?q={ISSUED}", "/log/entries/0/", "/log/entries/99/"):
            client.get(url)
    writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
    assert writes == []
