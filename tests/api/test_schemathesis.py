"""Schemathesis over the whole OpenAPI schema, in-process against the WSGI app on the test
database: no request may cause a server error, and every response must match what the schema
says for its operation (status code, content type, headers and body).

Path ids are swapped, some of the time, for real memes/comments/reports so that the success paths
run too, not only 404s. Examples per operation are bounded (SCHEMATHESIS_MAX_EXAMPLES, default 50)
so the run takes a few minutes on 2 cores.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import api_token_issue
from memes.models import Comment, Meme, Report
from tests.factories import make_caption, make_meme, make_user

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "50"))


def not_a_server_error_but_the_documented_503(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx, except the one the schema documents: "write another" answers 503 while the
    captioner is switched off (the test settings' default), with its own error code."""
    if response.status_code == 503 and case.operation.path.endswith("/captions/generate/"):
        assert response.json()["error"]["code"] == "captioner_unavailable", response.text
        return None
    return not_a_server_error(ctx, response, case)


CHECKS = [
    not_a_server_error_but_the_documented_503,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """As Django's test client does: a request must not close the connection that holds this
    test's transaction (close_old_connections would, seeing autocommit off)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db) -> dict[str, Any]:
    """A signed-in person with memes (ready, private, failed), someone else's public meme, a
    comment and a report, so that generated requests can hit real objects."""
    me, them = make_user("fuzzer", is_staff=True), make_user("them")
    mine = [make_meme(me), make_meme(me, public=False), make_meme(me, status=Meme.Status.FAILED)]
    theirs = make_meme(them, caption=make_caption("Fuzz | me", emotion="happy"))
    comment = Comment.objects.create(meme=theirs, user=me, text="hi")
    report = Report.objects.create(meme=theirs, reporter=me, reason="spam")
    return {
        "user": me,
        "public_id": [m.public_id for m in [*mine, theirs]],
        "username": [me.username, them.username],
        "comment_id": [comment.pk],
        "report_id": [report.pk],
    }


# Loaded at collection, from the app itself (schemathesis' lazy fixture loader needs pytest < 9).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, world):
    rng = random.Random(repr(case.path_parameters) + repr(case.query))
    for name in list(case.path_parameters or {}):
        if name in world and rng.random() < 0.6:
            case.path_parameters[name] = rng.choice(world[name])
    # A fresh token each time: logout and password changes in earlier cases revoke the old one.
    token = api_token_issue(user=world["user"])
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
