"""Production settings (issue 9 §3): a box with DEBUG off, a real host and its own SECRET_KEY is
secure with no other variable; a missing or development key stops it at start; local use needs no
variable at all. Each case starts a real `manage.py` process with exactly that environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REAL_KEY = "k3J9-pQz7_vX2mN8rT4wY6bL1cF5hD0sG9aE3uI7oP2qR8tZ4xV6nM1"
# Every variable these settings read for security: the cases below set them themselves.
OURS = (
    "DEBUG",
    "ALLOWED_HOSTS",
    "SECRET_KEY",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "USE_X_FORWARDED_PROTO",
    # Set by the browser tests for Playwright's event loop; a production box never has it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in OURS}
    base["DJANGO_SETTINGS_MODULE"] = "deepmeme_site.settings"
    base.setdefault("DATABASE_URL", "sqlite:///:memory:")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({k: getattr(s, k) for k in "
    "['PRODUCTION', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
    "'SECURE_HSTS_SECONDS']}))"
)


def effective(**env: str) -> dict[str, object]:
    result = manage("shell", "-c", SHOW, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_for_a_production_box_with_only_its_key() -> None:
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        ALLOWED_HOSTS="memes.example.com",
        SECRET_KEY=REAL_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr


@pytest.mark.parametrize("key", [None, "dev-only-insecure-secret-key-change-me", ""])
def test_production_without_its_own_key_stops_at_start(key: str | None) -> None:
    env = {"DEBUG": "0", "ALLOWED_HOSTS": "memes.example.com"}
    if key is not None:
        env["SECRET_KEY"] = key
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set (or is the development key)" in result.stderr


def test_local_use_needs_no_variable_and_stays_plain_http() -> None:
    settings = effective()
    assert settings == {
        "PRODUCTION": False,
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
    }
    # A server on 127.0.0.1 with DEBUG off (e.g. gunicorn for a local test) is not production.
    assert effective(DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost")["PRODUCTION"] is False


def test_production_defaults_are_secure_and_each_is_switchable_for_a_tls_proxy() -> None:
    prod = {"DEBUG": "0", "ALLOWED_HOSTS": "memes.example.com", "SECRET_KEY": REAL_KEY}
    assert effective(**prod) == {
        "PRODUCTION": True,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
    }
    switched = effective(**prod, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert switched["SECURE_SSL_REDIRECT"] is False and switched["SECURE_HSTS_SECONDS"] == 0
    assert switched["SESSION_COOKIE_SECURE"] is True


# --- Content-Security-Policy -----------------------------------------------------------------------


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client) -> None:
    response = client.get("/")
    csp = _directives(response.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src"]


@pytest.mark.django_db
def test_the_kept_policy_is_django_csps_own_and_follows_the_settings(client, settings) -> None:
    """deepmeme_site.middleware keeps the built header per process: the same string django-csp
    builds, rebuilt when the settings change; a nonce page still gets its own."""
    from csp.utils import build_policy

    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == build_policy()
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert "'nonce-" in client.get("/api/docs/").headers["Content-Security-Policy"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "img-src": ["https://x.test"]}
    }
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == build_policy()
    assert "img-src https://x.test" in response.headers["Content-Security-Policy"]
    assert response.headers["Content-Security-Policy-Report-Only"] == "default-src 'none'"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag, f"inline <script> in {path}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline event handler in {path}"
        assert "javascript:" not in text, path


@pytest.mark.django_db
def test_swagger_ui_works_under_the_policy(client) -> None:
    """Swagger UI's init script is served as a file and its one <style> block carries the nonce."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce, response.headers["Content-Security-Policy"]
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert f'nonce="{nonce.group(1)}"' in tag, tag
    script_url = re.findall(r'<script src="([^"]+)"', html)[-1].replace("&amp;", "&")
    script = client.get(script_url)
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
