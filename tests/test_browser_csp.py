"""The Content-Security-Policy breaks nothing: Debian chromium opens the pages people use (feed,
upload, the meme page with its editor, Swagger UI, the admin) and reports no CSP violation and no
script error."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_meme, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_run_under_the_policy_without_violations(browser, live_server):
    owner = make_user("csp", is_staff=True, is_superuser=True)
    meme = make_meme(owner, public=True)
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "csp")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    for path in ("/", f"/m/{meme.public_id}/", "/upload/", "/admin/memes/meme/", "/admin/memes/caption/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelectorAll('img').length") > 0

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # drawn by the init script from its own file
    assert problems == []


def test_the_upload_page_refuses_a_too_large_file_before_sending_it(browser, live_server, settings, tmp_path):
    settings.MEME_MAX_UPLOAD_BYTES = 1024 * 1024
    make_user("big")
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"\0" * (2 * 1024 * 1024))
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "big")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/upload/")
    page.set_input_files("#id_photo", str(big))
    message = page.eval_on_selector("#id_photo", "el => el.validationMessage")
    assert "photos can be at most 1 MB" in message
    assert "photos can be at most 1 MB" in page.inner_text("#drop-text")  # shown on the page too
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.method))
    page.click("#upload-submit")
    page.wait_for_timeout(500)
    assert "POST" not in requests and page.url.endswith("/upload/")
