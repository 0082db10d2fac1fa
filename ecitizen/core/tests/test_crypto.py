import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from ecitizen.core import crypto
from ecitizen.core.crypto import DecryptionError, Keyring, blind_index

KEY_OLD = base64.b64encode(b"o" * 32).decode()
KEY_NEW = base64.b64encode(b"n" * 32).decode()


def test_round_trip_carries_key_id():
    ring = Keyring.parse(f"k1:{KEY_OLD}")
    token = ring.encrypt("AB-123456-C", context="accounts.profile.national_id")
    assert token.startswith("v1.k1.")
    assert "AB-123456-C" not in token
    assert ring.decrypt(token, context="accounts.profile.national_id") == "AB-123456-C"


def test_same_plaintext_encrypts_differently_each_time():
    ring = Keyring.parse(f"k1:{KEY_OLD}")
    assert ring.encrypt("x", context="c") != ring.encrypt("x", context="c")


@given(st.text(max_size=200))
def test_round_trip_any_text(text):
    ring = Keyring.parse(f"k1:{KEY_OLD}")
    assert ring.decrypt(ring.encrypt(text, context="c"), context="c") == text


def test_tampered_ciphertext_is_rejected():
    ring = Keyring.parse(f"k1:{KEY_OLD}")
    token = ring.encrypt("AB-123456-C", context="c")
    prefix, body = token.rsplit(".", 1)
    raw = bytearray(crypto._b64decode(body))
    raw[15] ^= 0x01
    with pytest.raises(DecryptionError):
        ring.decrypt(f"{prefix}.{crypto._b64encode(bytes(raw))}", context="c")


def test_ciphertext_moved_to_another_column_is_rejected():
    ring = Keyring.parse(f"k1:{KEY_OLD}")
    token = ring.encrypt("secret", context="accounts.profile.national_id")
    with pytest.raises(DecryptionError):
        ring.decrypt(token, context="accounts.profile.phone")


def test_unknown_key_id_is_rejected():
    token = Keyring.parse(f"k1:{KEY_OLD}").encrypt("x", context="c")
    with pytest.raises(DecryptionError):
        Keyring.parse(f"k2:{KEY_NEW}").decrypt(token, context="c")


def test_old_key_still_decrypts_after_rotation():
    token = Keyring.parse(f"k1:{KEY_OLD}").encrypt("x", context="c")
    rotated = Keyring.parse(f"k2:{KEY_NEW},k1:{KEY_OLD}")
    assert rotated.primary == "k2"
    assert rotated.decrypt(token, context="c") == "x"
    assert rotated.encrypt("x", context="c").startswith("v1.k2.")


@pytest.mark.parametrize(
    "spec",
    ["", "k1", f"k1:{base64.b64encode(b'short').decode()}", "k1:not-base64!", f"k1:{KEY_OLD},k1:{KEY_NEW}"],
)
def test_bad_keyring_configuration_is_refused(spec):
    with pytest.raises(ImproperlyConfigured):
        Keyring.parse(spec)


def test_blind_index_ignores_formatting_but_not_content():
    assert blind_index("ab 123456 c", context="n") == blind_index("AB-123456-C", context="n")
    assert blind_index("AB-123456-C", context="n") != blind_index("AB-123456-D", context="n")
    assert blind_index("AB-123456-C", context="n") != blind_index("AB-123456-C", context="other")


@pytest.mark.django_db
def test_encrypted_field_stores_only_ciphertext_and_finds_by_blind_index(citizen):
    from ecitizen.accounts.models import Profile
    from ecitizen.exchange.selectors import national_id_blind_index

    # given
    profile = citizen.profile
    profile.national_id = "AH-120488-K"
    profile.national_id_index = national_id_blind_index("AH-120488-K")
    profile.save()
    # when
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM accounts_profile WHERE id = %s", [profile.pk])
        stored = cursor.fetchone()[0]
    # then
    assert stored.startswith("v1.") and "120488" not in stored
    found = Profile.objects.get(national_id_index=national_id_blind_index("ah 120488 k"))
    assert found.national_id == "AH-120488-K"


@pytest.mark.django_db
def test_tampered_database_value_fails_loudly(citizen):
    from ecitizen.accounts.models import Profile

    Profile.objects.filter(pk=citizen.profile.pk).update(national_id="AH-120488-K")
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM accounts_profile WHERE id = %s", [citizen.profile.pk])
        token = cursor.fetchone()[0]
        forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        cursor.execute("UPDATE accounts_profile SET national_id = %s WHERE id = %s", [forged, citizen.profile.pk])
    with pytest.raises(DecryptionError):
        Profile.objects.get(pk=citizen.profile.pk)


@pytest.mark.django_db
def test_rotation_command_reencrypts_every_value_under_the_new_key(settings, citizen, register_person):
    from ecitizen.accounts.models import Profile

    # given data written under the old key
    register_person()
    Profile.objects.filter(pk=citizen.profile.pk).update(national_id="AH-120488-K")
    old_primary = crypto.keyring().primary
    # when a new key is put first and the command runs
    settings.FIELD_ENCRYPTION_KEYS = f"k9:{KEY_NEW},{settings.FIELD_ENCRYPTION_KEYS}"
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))
    # then every stored value names the new key and still decrypts
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM accounts_profile WHERE national_id <> ''")
        profile_tokens = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT national_id FROM exchange_populationrecord")
        register_tokens = [row[0] for row in cursor.fetchall()]
    assert profile_tokens and register_tokens
    assert all(Keyring.key_id(t) == "k9" for t in profile_tokens + register_tokens)
    assert old_primary != "k9"
    assert Profile.objects.get(pk=citizen.profile.pk).national_id == "AH-120488-K"
    # and once the old key is removed, everything is still readable
    settings.FIELD_ENCRYPTION_KEYS = f"k9:{KEY_NEW}"
    assert Profile.objects.get(pk=citizen.profile.pk).national_id == "AH-120488-K"


@pytest.mark.django_db
def test_mfa_secrets_are_encrypted_at_rest(citizen, with_mfa):
    from allauth.mfa.models import Authenticator

    secret = with_mfa(citizen)
    stored = Authenticator.objects.get(user=citizen).data["secret"]
    assert stored.startswith("v1.") and secret not in stored
