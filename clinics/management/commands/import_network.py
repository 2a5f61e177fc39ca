import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from clinics import network, services


class Command(BaseCommand):
    help = "Import the supply side from a network file (DESIGN §4); all of it or nothing."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )

    def handle(self, *args, path: Path, dry_run: bool, **options):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not JSON: {exc}") from exc
        try:
            summary = services.network_import(
                document=document, dry_run=dry_run, reason=f"network file {path.name}"
            )
        except network.NetworkFileError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {path}; nothing was imported"
            ) from exc
        verb = "would import" if dry_run else "imported"
        for kind, counts in summary.items():
            detail = ", ".join(f"{n} {what}" for what, n in counts.items())
            self.stdout.write(f"{kind}: {detail}")
        self.stdout.write(self.style.SUCCESS(f"{verb} {path}"))
