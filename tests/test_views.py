"""The web pages: accounts, the meme page and its controls, feed, gallery, admin curation."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from memes.models import Caption, Comment, Meme
from tests.conftest import media_files
from tests.factories import PASSWORD, make_caption, make_meme, make_user, photo_bytes, upload

pytestmark = pytest.mark.django_db
User = get_user_model()


# --- accounts ---------------------------------------------------------------------------------


def test_signup_logs_in_and_lands_on_upload(client):
    response = client.post(
        reverse("signup"),
        {"username": "newbie", "email": "n@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == reverse("memes:upload")
    assert client.get(reverse("memes:upload")).status_code == 200
    assert User.objects.get(username="newbie").email == "n@example.com"


def test_signup_errors_are_shown(client):
    response = client.post(
        reverse("signup"), {"username": "x", "email": "bad", "password1": "a", "password2": "b"}
    )
    assert response.status_code == 400 and "Enter a valid email address" in response.content.decode()
    assert not User.objects.exists()


def test_login_logout(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_password_change(user_client, user):
    response = user_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-pass-42",
            "new_password2": "another-long-pass-42",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-long-pass-42")


def test_password_reset_by_email(client, user):
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302 and len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session and redirects
    response = client.post(
        form_url, {"new_password1": "reset-pass-123456", "new_password2": "reset-pass-123456"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("reset-pass-123456")


def test_profile_redirects_to_gallery(user_client, user):
    assert user_client.get(reverse("profile")).url == reverse("memes:gallery", args=[user.username])


def test_delete_account_needs_password_and_removes_everything(
    user_client, user, settings, django_capture_on_commit_callbacks
):
    make_meme(user)
    response = user_client.post(reverse("delete_account"), {"password": "wrong"})
    assert response.status_code == 400 and User.objects.filter(pk=user.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go once the delete is committed
        response = user_client.post(reverse("delete_account"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists() and not Meme.objects.exists()
    assert media_files(settings.MEDIA_ROOT) == []


# --- upload and the meme page -----------------------------------------------------------------


def test_upload_needs_login(client):
    response = client.get(reverse("memes:upload"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_upload_to_ready_meme_page(user_client, fake_analysis, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(
            reverse("memes:upload"), {"photo": upload(photo_bytes()), "topic": "exams"}
        )
    meme = Meme.objects.get()
    assert response.status_code == 302 and response.url == reverse("memes:detail", args=[meme.public_id])
    status = user_client.get(reverse("memes:status", args=[meme.public_id])).json()
    assert status["status"] == "ready" and status["image_url"].endswith(".jpg")
    page = user_client.get(response.url).content.decode()
    assert 'id="meme-image"' in page and "Download" in page and 'id="edit-form"' in page
    assert "Face 1" in page and page.count('class="bar-row"') == 7 and 'class="facebox"' in page
    assert 'class="suggestion"' in page


def test_progress_page_polls_while_queued(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    meme = make_meme(user, status=Meme.Status.QUEUED, stage="Waiting for a worker")
    page = client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "data-status-url" in page and "Waiting for a worker" in page


def test_failed_page_shows_reason_and_retry(user_client, user):
    meme = make_meme(user, status=Meme.Status.FAILED, failure_reason="The uploaded photo could not be read.")
    page = user_client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "could not be read" in page and reverse("memes:retry", args=[meme.public_id]) in page


def test_no_face_notice(user_client, user):
    meme = make_meme(user, faces=[], emotion="neutral")
    page = user_client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "didn't find a face" in page


def test_edit_publish_and_caption_via_views(user_client, user):
    meme = make_meme(user, public=False, top_text="old", bottom_text="text")
    url = reverse("memes:edit", args=[meme.public_id])
    response = user_client.post(
        url, {"top_text": "brand new", "bottom_text": "words", "font_size": "120", "text_color": "#00ff00"}
    )
    assert response.status_code == 302
    meme.refresh_from_db()
    assert (meme.top_text, meme.font_size, meme.text_color) == ("brand new", 120, "#00ff00")
    response = user_client.post(url, {"font_size": "999"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and "between 50 and 150" in response.json()["error"]

    user_client.post(reverse("memes:publish", args=[meme.public_id]), {"public": "1"})
    meme.refresh_from_db()
    assert meme.is_public

    caption = make_caption("Picked | this one")
    user_client.post(reverse("memes:caption", args=[meme.public_id]), {"caption_id": caption.pk})
    meme.refresh_from_db()
    assert (meme.top_text, meme.bottom_text) == ("Picked", "this one")
    response = user_client.post(reverse("memes:caption", args=[meme.public_id]), {"caption_id": "x"})
    assert response.status_code == 302  # message on the page, nothing changed


def test_strangers_cannot_edit_or_see_private(client, user):
    meme = make_meme(user, public=False)
    stranger = make_user()
    client.force_login(stranger)
    assert client.get(reverse("memes:detail", args=[meme.public_id])).status_code == 404
    assert client.post(reverse("memes:edit", args=[meme.public_id]), {"top_text": "x"}).status_code == 404
    public = make_meme(user)
    assert client.post(reverse("memes:edit", args=[public.public_id]), {"top_text": "x"}).status_code == 403
    assert client.post(reverse("memes:delete", args=[public.public_id])).status_code == 403


def test_download_is_an_attachment_of_the_rendered_jpeg(client):
    meme = make_meme()
    response = client.get(reverse("memes:download", args=[meme.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="deepmeme-{meme.public_id}.jpg"'
    assert b"".join(response.streaming_content) == meme.image.open("rb").read()


def test_share_page_has_opengraph_and_twitter_tags(client):
    meme = make_meme(top_text="Hello", bottom_text="World")
    page = client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    image_url = f"http://testserver{reverse('memes:image', args=[meme.public_id])}"
    assert f'<meta property="og:image" content="{image_url}">' in page
    assert f'<meta name="twitter:image" content="{image_url}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<meta property="og:title" content="Hello World">' in page
    redirect = client.get(image_url)
    assert redirect.status_code == 302 and redirect.url == meme.image.url
    assert client.get(redirect.url).status_code == 200  # local media is served


def test_like_json_and_comment(client, user):
    meme = make_meme()
    client.force_login(user)
    url = reverse("memes:like", args=[meme.public_id])
    assert client.post(url, HTTP_ACCEPT="application/json").json() == {"liked": True, "like_count": 1}
    assert client.post(url, HTTP_ACCEPT="application/json").json() == {"liked": False, "like_count": 0}
    client.post(reverse("memes:comment", args=[meme.public_id]), {"text": "lol"})
    assert Comment.objects.get().text == "lol"
    page = client.get(reverse("memes:detail", args=[meme.public_id])).content.decode()
    assert "lol" in page and "Comments (1)" in page


def test_feed_and_gallery_pages(client, user):
    public = make_meme(user, emotion="sad")
    private = make_meme(user, public=False)
    feed = client.get(reverse("memes:feed")).content.decode()
    assert public.public_id in feed and private.public_id not in feed
    top = client.get(reverse("memes:feed") + "?order=top")
    assert top.status_code == 200 and public.public_id in top.content.decode()
    gallery = client.get(reverse("memes:gallery", args=[user.username])).content.decode()
    assert public.public_id in gallery and private.public_id not in gallery
    client.force_login(user)
    mine = client.get(reverse("memes:gallery", args=[user.username])).content.decode()
    assert private.public_id in mine


def test_feed_cache_for_anonymous(client, settings):
    settings.FEED_CACHE_SECONDS = 60
    from django.core.cache import cache

    cache.clear()
    first = make_meme()
    assert first.public_id in client.get(reverse("memes:feed")).content.decode()
    second = make_meme()
    assert second.public_id not in client.get(reverse("memes:feed")).content.decode()  # served from cache
    cache.clear()
    assert second.public_id in client.get(reverse("memes:feed")).content.decode()


def test_signed_in_feed_shares_the_grid_but_not_the_page(client, settings):
    settings.FEED_CACHE_SECONDS = 60
    from django.core.cache import cache

    cache.clear()
    alice, bob = make_user(), make_user()
    first = make_meme()
    client.force_login(alice)
    page = client.get(reverse("memes:feed")).content.decode()
    assert first.public_id in page and alice.username in page
    second = make_meme()
    other = Client()
    other.force_login(bob)
    page = other.get(reverse("memes:feed")).content.decode()
    assert second.public_id not in page  # the grid came from the shared cache
    assert first.public_id in page and bob.username in page and alice.username not in page
    cache.clear()
    assert second.public_id in other.get(reverse("memes:feed")).content.decode()


def test_feed_page_numbers_that_are_not_numbers_show_page_one(client):
    meme = make_meme()
    for page in ("abc", "-1", "1" * 50, "%00"):
        response = client.get(reverse("memes:feed"), {"page": page})
        assert response.status_code == 200 and meme.public_id in response.content.decode()


def test_feed_cache_never_shares_a_visitors_message(client, settings):
    # Deleting an account lands on the feed, signed out, with a goodbye: it must not be cached for
    # everyone, and this visitor must still see it when a cached page exists.
    settings.FEED_CACHE_SECONDS = 60
    client.get(reverse("memes:feed"))  # a cached page already exists
    user = make_user()
    client.force_login(user)
    landing = client.post(reverse("delete_account"), {"password": PASSWORD}, follow=True)
    assert "Goodbye" in landing.content.decode()
    assert "Goodbye" not in Client().get(reverse("memes:feed")).content.decode()
    other = make_user()
    other_client = Client()
    other_client.force_login(other)
    other_client.post(reverse("delete_account"), {"password": PASSWORD})
    cache.clear()
    assert "Goodbye" in other_client.get(reverse("memes:feed")).content.decode()
    assert "Goodbye" not in Client().get(reverse("memes:feed")).content.decode()


@pytest.mark.parametrize(
    "url", ["/m/%00/", "/m/a%00b/status.json", "/m/%00/image.jpg", "/m/%00/download/", "/u/%00/"]
)
def test_nul_in_an_address_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_comment_with_control_characters(user_client):
    meme = make_meme()
    response = user_client.post(reverse("memes:comment", args=[meme.public_id]), {"text": "hi\x00 there"})
    assert response.status_code == 302 and Comment.objects.get().text == "hi there"


# --- admin ------------------------------------------------------------------------------------


@pytest.fixture
def admin_client_(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_caption_admin_summary_filters_and_actions(admin_client_):
    url = reverse("admin:memes_caption_changelist")
    page = admin_client_.get(url).content.decode()
    assert 'id="emotion-balance"' in page and page.count("emotion__exact=") >= 7
    assert (
        admin_client_.get(url, {"emotion__exact": "sad", "source__exact": "seed", "q": "Monday"}).status_code
        == 200
    )

    pending = make_caption("Pending | one", emotion="fear", approved=False, source="imported")
    admin_client_.post(url, {"action": "approve", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.approved
    admin_client_.post(url, {"action": "relabel_sad", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert pending.emotion == "sad"
    admin_client_.post(url, {"action": "reject", "_selected_action": [pending.pk]})
    pending.refresh_from_db()
    assert not pending.approved
    response = admin_client_.post(url, {"action": "export_csv", "_selected_action": [pending.pk]})
    assert response["Content-Type"].startswith("text/csv")
    assert f"{pending.pk},sad,Pending | one,imported,0" in response.content.decode()


def test_meme_admin_hide_and_delete_with_files(admin_client_, settings, django_capture_on_commit_callbacks):
    meme = make_meme()
    url = reverse("admin:memes_meme_changelist")
    assert admin_client_.get(url).status_code == 200
    admin_client_.post(url, {"action": "hide", "_selected_action": [meme.pk]})
    meme.refresh_from_db()
    assert meme.is_hidden
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(url, {"action": "delete_with_files", "_selected_action": [meme.pk]})
    assert not Meme.objects.exists() and media_files(settings.MEDIA_ROOT) == []


def test_user_admin(admin_client_):
    assert admin_client_.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_seeded_captions_cover_every_emotion():
    for emotion in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"):
        assert Caption.objects.filter(emotion=emotion, approved=True, source="seed").count() >= 40


def test_local_media_follows_the_memes_visibility(client, user):
    from rest_framework.authtoken.models import Token

    private = make_meme(user, public=False)
    public = make_meme()
    urls = [private.photo.url, private.image.url, private.thumbnail.url]
    for url in urls:
        assert client.get(url).status_code == 404  # anonymous
    stranger = Client()
    stranger.force_login(make_user())
    assert all(stranger.get(url).status_code == 404 for url in urls)
    owner = Client()
    owner.force_login(user)
    assert all(owner.get(url).status_code == 200 for url in urls)
    token = Token.objects.create(user=user).key
    assert client.get(private.image.url, HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert client.get(private.image.url, HTTP_AUTHORIZATION="Token nope").status_code == 404
    assert client.get(public.image.url).status_code == 200
    assert client.get(public.image.url, HTTP_AUTHORIZATION="Token nope").status_code == 200
    public.is_hidden = True
    public.save()
    assert client.get(public.image.url).status_code == 404  # moderated away
    assert client.get(public.image.url.rsplit("/", 1)[0] + "/not-a-meme-file.jpg").status_code == 404
