"""The compact JWS: EdDSA signing, and verification with nothing but the JWKS."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecitizen.documents import jws

CLAIMS = {"iss": "https://ecitizen.example", "sub": "CC-2026-000123", "name": "Amina Haddad", "nbf": 1, "exp": 2}


@pytest.fixture
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def jwks(key):
    return {"keys": [jws.public_jwk(key.public_key(), kid="k1")]}


def _parts(token):
    return token.split(".")


def test_round_trip(key, jwks):
    # given
    token = jws.sign(CLAIMS, private_key=key, kid="k1")

    # then
    assert token.count(".") == 2
    assert "=" not in token
    assert jws.verify(token, jwks=jwks) == CLAIMS


def test_header_is_eddsa_with_kid_and_typ(key):
    token = jws.sign(CLAIMS, private_key=key, kid="k1")

    assert json.loads(jws.b64url_decode(_parts(token)[0])) == {"alg": "EdDSA", "kid": "k1", "typ": "JWT"}


def test_rfc8037_test_vector():
    # RFC 8037 appendix A.1 key and A.4 signature over the payload "Example of Ed25519 signing".
    seed = jws.b64url_decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert jws.public_jwk(key.public_key(), kid="a")["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    expected = "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    assert jws.b64url_encode(key.sign(signing_input.encode())) == expected


def test_tampered_payload_is_invalid(key, jwks):
    header, _, signature = _parts(jws.sign(CLAIMS, private_key=key, kid="k1"))
    forged = jws.b64url_encode(json.dumps({**CLAIMS, "name": "Mallory"}).encode())

    with pytest.raises(jws.InvalidToken):
        jws.verify(f"{header}.{forged}.{signature}", jwks=jwks)


def test_tampered_signature_is_invalid(key, jwks):
    header, payload, signature = _parts(jws.sign(CLAIMS, private_key=key, kid="k1"))
    raw = bytearray(jws.b64url_decode(signature))
    raw[0] ^= 1

    with pytest.raises(jws.InvalidToken):
        jws.verify(f"{header}.{payload}.{jws.b64url_encode(bytes(raw))}", jwks=jwks)


def test_unknown_kid_is_invalid(key, jwks):
    token = jws.sign(CLAIMS, private_key=key, kid="not-published")

    with pytest.raises(jws.InvalidToken, match="kid"):
        jws.verify(token, jwks=jwks)


def test_another_keys_signature_under_a_published_kid_is_invalid(jwks):
    token = jws.sign(CLAIMS, private_key=Ed25519PrivateKey.generate(), kid="k1")

    with pytest.raises(jws.InvalidToken):
        jws.verify(token, jwks=jwks)


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", None])
def test_other_algorithms_are_refused(key, jwks, alg):
    _, payload, signature = _parts(jws.sign(CLAIMS, private_key=key, kid="k1"))
    header = jws.b64url_encode(json.dumps({"alg": alg, "kid": "k1"}).encode())

    with pytest.raises(jws.InvalidToken):
        jws.verify(f"{header}.{payload}.{signature}", jwks=jwks)


def test_a_non_ed25519_jwk_is_refused(key):
    token = jws.sign(CLAIMS, private_key=key, kid="k1")
    wrong = {"keys": [{**jws.public_jwk(key.public_key(), kid="k1"), "crv": "X25519"}]}

    with pytest.raises(jws.InvalidToken):
        jws.verify(token, jwks=wrong)


@pytest.mark.parametrize(
    "token",
    ["", "abc", "a.b", "a.b.c.d", "!!.??.**", "e30=.e30.AA", "W10.e30.AA", "e30.e30.AA", 42, "a." * 3000],
)
def test_garbage_is_invalid_not_an_error(jwks, token):
    with pytest.raises(jws.InvalidToken):
        jws.verify(token, jwks=jwks)


def test_base64url_is_strict_and_canonical():
    assert jws.b64url_decode(jws.b64url_encode(b"\xff\xfe")) == b"\xff\xfe"
    for bad in ("//4", "__4=", "_ _4", "_-5"):  # '/', padding, space, stray trailing bits
        with pytest.raises(jws.InvalidToken):
            jws.b64url_decode(bad)
