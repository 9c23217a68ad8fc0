"""Make a meme from a photo on the command line: the same pipeline as the worker, no server."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from memes import checks
from memes.services import captions, pipeline
from ml import animation, render
from ml.emotions import EMOTIONS


class Command(BaseCommand):
    help = "Make a meme from PHOTO and write it to --out (JPEG; an animated GIF/WebP gives animated WebP)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("photo", type=Path)
        parser.add_argument("--topic", default="")
        parser.add_argument("--emotion", default="", choices=["", *EMOTIONS], help="Skip reading the face.")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--json", action="store_true", help="Print one JSON object describing the meme.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError(
                "The database is not set up: run `python manage.py migrate` (or `make run`) first."
            )
        photo_path: Path = options["photo"]
        if not photo_path.is_file():
            raise CommandError(f"No such file: {photo_path}")
        try:
            with photo_path.open("rb") as handle:
                checked = checks.check_photo(File(handle, name=photo_path.name))
            topic = checks.check_topic(options["topic"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        result = pipeline.run_pipeline(
            checked.frames or checked.image, topic=topic, emotion_override=options["emotion"]
        )
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(animation.to_webp(result.frames) if result.frames else render.to_jpeg(result.image))
        if result.caption is not None:
            captions.caption_mark_used(caption=result.caption)
        if options["json"]:
            payload = {
                "output": str(out),
                "emotion": result.emotion,
                "top_text": result.top_text,
                "bottom_text": result.bottom_text,
                "caption_source": result.caption_source,  # "model" or "curated" (model off or failing)
                "boxes": [box.to_dict() for box in result.boxes],  # the text layout drawn (around the faces)
                "faces": [
                    {
                        "box": list(face["box"]),
                        "emotion": face["emotion"],
                        "probabilities": face["probabilities"],
                    }
                    for face in result.faces
                ],
            }
            self.stdout.write(json.dumps(payload))
        else:
            faces = len(result.faces)
            self.stdout.write(
                f"Wrote {out}: {result.emotion} ({faces} face{'s' if faces != 1 else ''}) — "
                f"{result.top_text} / {result.bottom_text}"
            )
