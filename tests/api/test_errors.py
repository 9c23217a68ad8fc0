"""One error shape everywhere, and no 500 for bad input."""

import pytest

from tests.api.conftest import assert_error
from tests.factories import make_meme

pytestmark = pytest.mark.django_db


def test_unknown_api_address_is_a_json_404(api):
    assert_error(api.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(api.get("/api/v1/memes/has%00nul/"), 404, "not_found")  # never reaches the database
    assert_error(api.get("/api/v1/users/bad%00name/"), 404, "not_found")
    assert_error(api.delete("/api/v1/comments/99999999999999999999999/"), 401)
    assert_error(api.get("/api/v1/memes/" + "x" * 17 + "/"), 404)


def test_method_not_allowed(owner_api):
    response = owner_api.put("/api/v1/feed/")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_malformed_json(owner_api):
    response = owner_api.post("/api/v1/captions/", "{not json", content_type="application/json")
    error = assert_error(response, 400, "parse_error")
    assert "JSON" in error["message"]


def test_body_of_the_wrong_shape(owner_api, owner):
    meme = make_meme(owner)
    for body in ("[1, 2]", '"text"', "null", '{"top_text": {"a": 1}}', '{"font_size": 1e400}'):
        response = owner_api.patch(f"/api/v1/memes/{meme.public_id}/", body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
        assert_error(response, 400)


def test_nul_and_surrogates_are_refused_not_crashed(owner_api, owner):
    meme = make_meme(owner)
    for body in ('{"text": "a\\u0000b"}', '{"text": "\\ud800"}'):  # escaped in the JSON, as sent
        response = owner_api.post(
            f"/api/v1/memes/{meme.public_id}/comments/", body, content_type="application/json"
        )
        assert_error(response, 400, field="text")
    response = owner_api.post(
        f"/api/v1/memes/{meme.public_id}/report/", '{"reason": "\\ud800"}', content_type="application/json"
    )
    assert "is not a valid choice" in assert_error(response, 400, field="reason")["message"]
    response = owner_api.get("/api/v1/feed/", {"cursor": "a\x00b"})
    assert_error(response, 400, field="cursor")


def test_wrong_content_type(owner_api):
    response = owner_api.post("/api/v1/captions/", "text=x", content_type="text/plain")
    assert_error(response, 415, "unsupported_media_type")
