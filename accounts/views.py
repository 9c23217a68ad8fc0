from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apikit.throttles import web_rate_limit

from .forms import DeleteAccountForm, SignUpForm
from .services import user_delete


@web_rate_limit("signup")  # the API's sign-up rate, counted together with the app's sign-ups
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("memes:upload")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}! Upload a photo to make your first meme.")
        return redirect("memes:upload")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return redirect("memes:gallery", username=request.user.get_username())


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        count = user_delete(user=user)
        messages.success(request, f"Your account and {count} meme(s) are deleted. Goodbye!")
        return redirect("memes:feed")
    return render(request, "accounts/delete.html", {"form": form}, status=400 if form.errors else 200)


# Django's reset page, with the API's per-address rate: one address cannot fill a victim's inbox.
password_reset = web_rate_limit("password_reset")(PasswordResetView.as_view())
