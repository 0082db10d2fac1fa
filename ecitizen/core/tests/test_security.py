import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def test_csp_uses_a_nonce_and_never_unsafe_inline(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    nonce = policy.split("'nonce-")[1].split("'")[0]
    body = response.content.decode()
    # every inline script carries the nonce
    assert body.count("<script") == body.count(f'nonce="{nonce}"')


def test_clickjacking_and_sniffing_headers(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/language/", "/account/sessions/end-others/", "/accounts/logout/"])
def test_state_changes_refuse_get(client, citizen, path):
    client.force_login(citizen)
    response = client.get(path)
    if path == "/accounts/logout/":
        # allauth shows a confirmation page on GET and signs out only on POST
        assert response.status_code == 200
        assert client.get("/account/").status_code == 200
    else:
        assert response.status_code == 405


def test_forms_need_a_csrf_token(citizen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(citizen)
    response = strict.post("/language/", {"language": "es"})
    assert response.status_code == 403


def _production_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-production-grade-secret-key-with-plenty-of-entropy-0123456789-abcdefgh",
        FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS,
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        ALLOWED_HOSTS="ecitizen.example",
        SITE_URL="https://ecitizen.example",
        SANDBOX_CALLBACK_SECRET="a-long-random-sandbox-secret-for-the-test",
    )
    return env


def test_production_settings_pass_the_deployment_checklist():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_use_the_host_prefix():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["__Host-sessionid", "__Host-csrftoken", "True", "True", "True"]


def test_production_refuses_to_start_without_keys():
    env = _production_env()
    del env["FIELD_ENCRYPTION_KEYS"]
    env["DOTENV_DISABLED"] = "1"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_deployment_check_flags_the_default_sandbox_secret():
    env = _production_env()
    del env["SANDBOX_CALLBACK_SECRET"]
    env["DOTENV_DISABLED"] = "1"
    env["PAYMENTS_SANDBOX_ENABLED"] = "true"
    # an error, so that the default fail level (ERROR) refuses it too
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "ecitizen.E001" in result.stdout + result.stderr
