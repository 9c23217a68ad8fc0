"""The `make bench-load` scenario (run by bench/load.py, which starts the stack and seeds it).

Each simulated person is a signed-in account from the seed (a session cookie for the web pages, a
token for the API, as a phone would have). They browse the feed (web and API), open memes, like,
comment and now and then upload a photo and poll it until it is made, with a think time between
actions. Request names group the URLs per kind, so BENCHMARKS.md has one row per request type.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
PHOTOS = [Path(p).read_bytes() for p in ACCOUNTS["photos"]]
UPLOADED: list[str] = []  # public ids of every upload the server accepted (202)
_next_account = iter(range(10**9))
# Each person uploads about once per this many seconds (the one worker must keep up on 2 cores).
UPLOAD_EVERY = float(os.environ.get("LOAD_UPLOAD_EVERY", "1500"))


@events.test_stop.add_listener
def _save_uploads(**_kwargs: object) -> None:
    Path(os.environ["LOAD_UPLOADS"]).write_text(json.dumps(UPLOADED))


class Person(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        account = ACCOUNTS["people"][next(_next_account) % len(ACCOUNTS["people"])]
        self.api = {"Authorization": f"Token {account['token']}"}
        self.client.cookies.set("sessionid", account["session"])
        self.seen: list[str] = list(ACCOUNTS["memes"])
        self.next_upload = time.monotonic() + random.uniform(0, UPLOAD_EVERY)

    def _meme(self) -> str:
        return random.choice(self.seen[-200:])

    @task(8)
    def feed_page(self) -> None:
        order = random.choice(["new", "new", "top"])
        self.client.get(f"/?order={order}", name="web: feed page")

    @task(8)
    def feed_api(self) -> None:
        with self.client.get("/api/v1/feed/", headers=self.api, name="api: feed", catch_response=True) as r:
            if r.ok:
                self.seen.extend(card["id"] for card in r.json()["results"])

    @task(5)
    def meme_page(self) -> None:
        self.client.get(f"/m/{self._meme()}/", name="web: meme page")

    @task(3)
    def like(self) -> None:
        meme = self._meme()
        if random.random() < 0.7:
            self.client.put(f"/api/v1/memes/{meme}/like/", headers=self.api, name="api: like")
        else:
            self.client.delete(f"/api/v1/memes/{meme}/like/", headers=self.api, name="api: unlike")

    @task(2)
    def comment(self) -> None:
        self.client.post(
            f"/api/v1/memes/{self._meme()}/comments/",
            json={"text": f"load test comment {random.randint(0, 10**6)}"},
            headers=self.api,
            name="api: comment",
        )

    @task(3)
    def upload(self) -> None:
        """Upload, then poll as the app does until the meme is made (or 60 s pass; the bench
        checks afterwards that every accepted upload ended ready)."""
        if time.monotonic() < self.next_upload:
            return
        self.next_upload = time.monotonic() + random.uniform(0.5, 1.5) * UPLOAD_EVERY
        files = {"photo": ("photo.jpg", random.choice(PHOTOS), "image/jpeg")}
        data = {"topic": random.choice(["", "mondays", "exams", "cats"])}
        with self.client.post(
            "/api/v1/memes/",
            files=files,
            data=data,
            headers=self.api,
            name="api: upload",
            catch_response=True,
        ) as r:
            if r.status_code != 202:
                r.failure(f"upload answered {r.status_code}: {r.text[:200]}")
                return
            public_id = r.json()["id"]
        UPLOADED.append(public_id)
        for _ in range(30):
            self.wait_time_poll()
            status = self.client.get(f"/api/v1/memes/{public_id}/", headers=self.api, name="api: meme (poll)")
            if status.ok and status.json()["status"] in ("ready", "failed"):
                break

    def wait_time_poll(self) -> None:
        import gevent

        gevent.sleep(2)
