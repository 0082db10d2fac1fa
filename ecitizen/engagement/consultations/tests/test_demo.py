import pytest

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(make_user, admin_a, citizen, other_citizen):
    from ecitizen.demo.consultations import demo_consultations_load
    from ecitizen.engagement.consultations.models import Consultation, Response

    lines = demo_consultations_load()
    assert len(lines) == 3
    demo_consultations_load()
    assert Consultation.objects.count() == 3
    assert Response.objects.filter(consultation__slug="car-free-town-square").count() == 2
    assert Consultation.objects.get(slug="library-opening-hours").outcome_published_at is not None
