from django.urls import include, path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("profile/", views.profile, name="profile"),
    path("delete/", views.delete_account, name="delete_account"),
    path("password_reset/", views.password_reset, name="password_reset"),  # rate-limited
    # login, logout, password change and the rest of the reset flow
    path("", include("django.contrib.auth.urls")),
]
