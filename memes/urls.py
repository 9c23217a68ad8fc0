from django.urls import path

from . import views

app_name = "memes"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("upload/", views.upload, name="upload"),
    path("u/<str:username>/", views.gallery, name="gallery"),
    path("m/<str:public_id>/", views.meme_detail, name="detail"),
    path("m/<str:public_id>/status.json", views.meme_status, name="status"),
    path("m/<str:public_id>/image.jpg", views.meme_image, name="image"),
    path("m/<str:public_id>/download/", views.meme_download, name="download"),
    path("m/<str:public_id>/edit/", views.meme_edit, name="edit"),
    path("m/<str:public_id>/caption/", views.meme_caption, name="caption"),
    path("m/<str:public_id>/captions/write/", views.meme_write_captions, name="write_captions"),
    path("m/<str:public_id>/publish/", views.meme_publish, name="publish"),
    path("m/<str:public_id>/retry/", views.meme_retry, name="retry"),
    path("m/<str:public_id>/delete/", views.meme_delete, name="delete"),
    path("m/<str:public_id>/like/", views.meme_like, name="like"),
    path("m/<str:public_id>/comments/", views.comment_create, name="comment"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
]
