from typing import Any

from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Our own user model from the first migration, so fields can be added later without pain."""

    def __str__(self) -> str:
        return self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # set_password() leaves the new raw password in _password until the save. Every way a
        # password changes (web change and reset, admin, API, `changepassword`) ends here, so this is
        # the one place that revokes the API token: a stolen token dies with the old password.
        # (A hash upgrade on login clears _password first, so it revokes nothing.)
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()
