"""Passage n of a draft text is the same passage in every language, so comments match."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from ecitizen.engagement.consultations import selectors, services
from ecitizen.engagement.consultations.forms import ConsultationDetailsForm
from ecitizen.engagement.consultations.models import Consultation
from ecitizen.engagement.consultations.tests.conftest import POLICY, details

pytestmark = pytest.mark.django_db

FRENCH = "Les voitures ne peuvent pas entrer.\n\nLes vélos stationnent près de la fontaine.\n\nLivraisons avant 10 h."
# the same text in two passages only: the translator dropped a blank line
FRENCH_TWO = "Les voitures ne peuvent pas entrer.\nLes vélos stationnent près de la fontaine.\n\nLivraisons avant 10 h."


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 3, 10, 11, 0, tzinfo=datetime.UTC), tick=True):
        yield


def _edit_data(consultation, **changes) -> dict:
    """What the staff edit form posts for *consultation*, with *changes*."""
    data = {}
    for name, value in ConsultationDetailsForm.initial_from(consultation).items():
        if value in (None, False) or name == "districts":
            continue
        data[name] = value.isoformat() if isinstance(value, datetime.date) else value
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_a_translation_with_other_passages_is_refused_at_its_field(client, consultation, admin_a):
    with pytest.raises(ValidationError) as exc:
        services.consultation_update(
            actor=admin_a, consultation=consultation, data=details(policy_text={"en": POLICY, "fr": FRENCH_TWO})
        )
    assert list(exc.value.message_dict) == ["policy_text_fr"]
    client.force_login(admin_a)
    r = client.post(
        reverse("consultations_staff:edit", args=[consultation.pk]), _edit_data(consultation, policy_text_fr=FRENCH_TWO)
    )
    page = r.content.decode()
    assert r.status_code == 200 and 'href="#id_policy_text_fr"' in page
    assert "(passages now: 2 in French, 3 in English)" in page
    assert Consultation.objects.get(pk=consultation.pk).policy_text == {"en": POLICY}
    r = client.post(
        reverse("consultations_staff:edit", args=[consultation.pk]), _edit_data(consultation, policy_text_fr=FRENCH)
    )
    assert r.status_code == 302
    assert Consultation.objects.get(pk=consultation.pk).policy_text == {"en": POLICY, "fr": FRENCH}


def test_a_translation_needs_the_english_text_first(make_consultation, admin_a):
    with pytest.raises(ValidationError) as exc:
        make_consultation(publish=False, policy_text={"fr": FRENCH})
    assert list(exc.value.message_dict) == ["policy_text_en"]


def test_comments_point_at_the_same_passage_in_every_language(client, make_consultation, citizen, caseworker_a):
    c = make_consultation(policy_text={"en": POLICY, "fr": FRENCH})
    services.passage_comment_add(
        actor=citizen, consultation=c, passage=2, text="Covered racks, please", publication="anonymous"
    )
    page = client.get(reverse("consultations:text", args=[c.slug]) + "?lang=fr").content.decode()
    passage_2 = page.split('id="passage-2"', 1)[1].split('id="passage-3"', 1)[0]
    assert "Les vélos stationnent près de la fontaine." in passage_2 and "Covered racks, please" in passage_2
    client.force_login(caseworker_a)
    page = client.get(reverse("consultations_staff:comments", args=[c.pk]) + "?lang=fr").content.decode()
    passage_2 = page.split('id="passage-2"', 1)[1].split('id="passage-3"', 1)[0]
    assert "Les vélos stationnent près de la fontaine." in passage_2 and "Covered racks, please" in passage_2
    page = client.get(reverse("consultations_staff:comments", args=[c.pk]) + "?lang=en").content.decode()
    passage_2 = page.split('id="passage-2"', 1)[1].split('id="passage-3"', 1)[0]
    assert "Bicycles may park by the fountain." in passage_2 and "Covered racks, please" in passage_2


def test_a_stored_translation_that_does_not_match_is_set_aside(client, consultation, citizen):
    # saved before the rule: French in two passages, English in three
    Consultation.objects.filter(pk=consultation.pk).update(policy_text={"en": POLICY, "fr": FRENCH_TWO})
    consultation.refresh_from_db()
    assert selectors.passages(consultation, "fr") == selectors.passages(consultation, "en")
    assert selectors.passages_with_language(consultation, "fr")[1] == "en"
    page = client.get(reverse("consultations:text", args=[consultation.slug]) + "?lang=fr").content.decode()
    assert 'lang="en" dir="auto">Bicycles may park by the fountain.' in page and "Passage 3" in page
    client.force_login(citizen)
    url = reverse("consultations:comment", args=[consultation.slug, 3]) + "?lang=fr"
    assert "Deliveries before 10am." in client.get(url).content.decode()


def test_once_commented_the_text_keeps_its_passages(consultation, admin_a, citizen):
    services.passage_comment_add(
        actor=citizen, consultation=consultation, passage=3, text="Make it 11am", publication="anonymous"
    )
    shorter = "Cars may not enter the square.\n\nBicycles may park by the fountain."
    with pytest.raises(ValidationError) as exc:
        services.consultation_update(
            actor=admin_a, consultation=consultation, data=details(policy_text={"en": shorter})
        )
    assert list(exc.value.message_dict) == ["policy_text_en"]
    assert "keep its 3 passages" in exc.value.message_dict["policy_text_en"][0]
    reworded = POLICY.replace("10am", "11am")
    services.consultation_update(actor=admin_a, consultation=consultation, data=details(policy_text={"en": reworded}))
    assert selectors.passages(Consultation.objects.get(pk=consultation.pk))[2] == "Deliveries before 11am."


def test_a_comment_on_a_passage_that_a_shorter_text_removed_meanwhile_is_refused(consultation, citizen, monkeypatch):
    """The passage is checked again under the consultation's lock: staff may have saved a shorter
    text (no comments yet) between the first check and the write."""
    from ecitizen.engagement.consultations.models import PassageComment

    real, seen = services.passage_count, []

    def shorter_by_then(c):
        seen.append(c)
        return real(c) if len(seen) == 1 else 2  # by the time the row is locked, two passages

    monkeypatch.setattr(services, "passage_count", shorter_by_then)
    with pytest.raises(ValidationError) as exc:
        services.passage_comment_add(
            actor=citizen, consultation=consultation, passage=3, text="Make it 11am", publication="anonymous"
        )
    assert list(exc.value.message_dict) == ["passage"]
    assert not PassageComment.objects.exists()
