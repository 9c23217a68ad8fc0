"""Make a meme through the web pages, as a person's browser does: log in, upload, poll until ready.

Standard library only, so CI can run it with the runtime-only venv against a `make run`-style server:

    python tests/webclient.py --url http://127.0.0.1:8000 --photo tests/assets/astronaut.jpg

Prints the outcome as JSON (the stages seen while polling included) and exits non-zero unless the
meme came out ready. tests/test_firstrun.py uses the same function.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import mimetypes
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MEME_PATH = re.compile(r"/m/([\w-]+)/$")


class WebMemeError(RuntimeError):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # we want to see each 302 and where it points


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(
        self, path: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        url = self.base_url + path
        req = urllib.request.Request(url, data=data, headers={"Referer": url, **(headers or {})})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx land here
            return error.code, dict(error.headers), error.read()

    def csrf_token(self, path: str) -> str:
        status, _, body = self.request(path)
        match = CSRF_INPUT.search(body.decode())
        if status != 200 or not match:
            raise WebMemeError(f"GET {path} gave {status} without a CSRF token")
        return match.group(1)


def multipart(fields: dict[str, str], files: dict[str, Path]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, path in files.items():
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{path.name}"\r\n'
            f"Content-Type: {kind}\r\n\r\n"
        )
        parts.append(head.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def make_meme_over_web(
    *, base_url: str, username: str, password: str, photo: Path, topic: str = "", timeout: float = 300
) -> dict[str, Any]:
    """Log in, upload `photo`, poll the status JSON until the meme is finished; return the last
    status plus `stages` (every distinct stage seen, in order) and `url` (the meme page)."""
    browser = Browser(base_url)
    token = browser.csrf_token("/accounts/login/")
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    status, headers, _ = browser.request(
        "/accounts/login/", data=form.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302:
        raise WebMemeError(f"login as {username!r} failed ({status})")

    token = browser.csrf_token("/upload/")
    body, content_type = multipart({"csrfmiddlewaretoken": token, "topic": topic}, {"photo": photo})
    status, headers, page = browser.request("/upload/", data=body, headers={"Content-Type": content_type})
    location = urllib.parse.urlparse(headers.get("Location", "")).path
    match = MEME_PATH.search(location)
    if status != 302 or not match:
        raise WebMemeError(f"upload gave {status} (Location {location!r}): {page[:500]!r}")

    stages: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, raw = browser.request(f"{location}status.json", headers={"Accept": "application/json"})
        if status != 200:
            raise WebMemeError(f"status.json gave {status}")
        data = json.loads(raw)
        if data.get("stage") and (not stages or stages[-1] != data["stage"]):
            stages.append(data["stage"])
        if data.get("finished"):
            return {**data, "stages": stages, "url": base_url.rstrip("/") + location}
        time.sleep(0.1)
    raise WebMemeError(f"the meme was not finished after {timeout:.0f} s (stages seen: {stages})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="demo")
    parser.add_argument("--password", default="demo-meme-2024")
    parser.add_argument("--photo", type=Path, default=Path(__file__).parent / "assets" / "astronaut.jpg")
    parser.add_argument("--topic", default="")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args(argv)
    outcome = make_meme_over_web(
        base_url=args.url,
        username=args.username,
        password=args.password,
        photo=args.photo,
        topic=args.topic,
        timeout=args.timeout,
    )
    print(json.dumps(outcome, indent=2))
    return 0 if outcome.get("ready") else 1


if __name__ == "__main__":
    sys.exit(main())
