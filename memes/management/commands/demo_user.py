"""`manage.py demo_user`: the accounts `make run` prints: a demo person and a separate admin.

The demo account is an ordinary person (no staff or superuser rights: what a visitor sees); the admin
account curates captions and moderates in /admin/. The admin's password is made up once per checkout
and kept in var/ (ignored by git), so it stays the same from one `make run` to the next and is never
a password known to anyone else.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-meme-2024"
ADMIN_USERNAME = "admin"


def admin_password_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "admin-password.txt"


def local_admin_password(path: Path) -> str:
    """The checkout's admin password: read from `path`, or made up and written there (owner-only)."""
    if path.exists() and (password := path.read_text().strip()):
        return password
    password = secrets.token_urlsafe(12)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(password + "\n")
    return password


def ensure_account(*, username: str, password: str, admin: bool) -> bool:
    """Create or reset `username` with `password`; True when it was created."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@deepmeme.local"}
    )
    user.set_password(password)
    user.is_staff = user.is_superuser = admin
    user.is_active = True
    user.save()
    return created


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo account (demo / demo-meme-2024, an ordinary person) and the admin "
        "account (admin, password kept in var/admin-password.txt), and print both."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default=DEMO_USERNAME)
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--admin-username", default=ADMIN_USERNAME)
        parser.add_argument(
            "--admin-password", default="", help="default: made up once and kept in var/admin-password.txt"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ensure_account(username=options["username"], password=options["password"], admin=False)
        admin_password = options["admin_password"] or local_admin_password(admin_password_file())
        ensure_account(username=options["admin_username"], password=admin_password, admin=True)
        self.stdout.write(self.style.SUCCESS(f"Log in as {options['username']} / {options['password']}"))
        self.stdout.write(
            self.style.SUCCESS(f"Admin (/admin/): {options['admin_username']} / {admin_password}")
        )
