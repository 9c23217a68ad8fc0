"""Import captions from CSV (the paper's format: Caption_ID,Facial_Expression,Caption_Text) or JSONL."""

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from memes.models import Caption
from memes.services.captions import caption_import


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot be parsed comes as a string saying why."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, f"not valid JSON ({exc.msg})"
                    continue
                yield number, row if isinstance(row, dict) else "not a JSON object"
            return
        reader = csv.DictReader(handle)
        header = {h.strip().lower() for h in reader.fieldnames or []}
        if not header & {"facial_expression", "emotion"} or not header & {"caption_text", "text"}:
            raise CommandError(
                f"{path}: need a header Caption_ID,Facial_Expression,Caption_Text; got {reader.fieldnames}"
            )
        for row in reader:
            if None in row:  # more cells than header columns
                yield reader.line_num, "too many columns (quote captions that contain commas)"
            else:
                yield reader.line_num, row


class Command(BaseCommand):
    help = "Import captions from a CSV file (Caption_ID,Facial_Expression,Caption_Text) or a JSONL file."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--approve", action="store_true", help="Approve them at once (default: curate first)."
        )
        parser.add_argument("--source", default=Caption.Source.IMPORTED, choices=Caption.Source.values)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        report = caption_import(rows=read_rows(path), source=options["source"], approved=options["approve"])
        for line, reason in report.skipped:
            self.stderr.write(f"{path}:{line}: skipped: {reason}")
        self.stdout.write(
            self.style.SUCCESS(f"Imported {report.created} caption(s); skipped {len(report.skipped)} row(s).")
        )
