from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create (or reset) the demo account: username demo, password demo-meme-2024, staff."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-meme-2024")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        user, created = get_user_model().objects.get_or_create(
            username=options["username"], defaults={"email": f"{options['username']}@deepmeme.local"}
        )
        user.set_password(options["password"])
        # Staff + superuser so the demo can show caption curation in the admin.
        user.is_staff = user.is_superuser = True
        user.save()
        verb = "Created" if created else "Reset"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} demo user {user.username!r} / {options['password']!r}.")
        )
