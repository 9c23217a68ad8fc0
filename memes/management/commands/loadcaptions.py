from django.core.management.base import BaseCommand

from memes.services.captions import caption_seed


class Command(BaseCommand):
    help = "Load DeepMeme's seed captions (idempotent: existing ones are left alone)."

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        created = caption_seed()
        self.stdout.write(self.style.SUCCESS(f"{created} new seed caption(s) loaded."))
