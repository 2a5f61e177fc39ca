from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from capacity import importers, services


class Command(BaseCommand):
    help = "Import appointments (canonical CSV, a mapped foreign CSV, or FHIR); all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", dest="file_format", choices=["csv", "fhir"], default="csv")
        parser.add_argument("--mapping", type=Path, help="mapping file (JSON) for a foreign CSV")
        parser.add_argument("--source", help="where the rows come from (default: the file name)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args, path: Path, file_format: str, mapping: Path | None, source: str | None,
               dry_run: bool, **options):  # fmt: skip
        try:
            content = path.read_bytes()
            mapping_doc = services.mapping_load(mapping.read_text("utf-8")) if mapping else None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        try:
            summary = services.appointments_import(
                content=content,
                source=source or path.stem,
                file_format=file_format,
                mapping=mapping_doc,
                dry_run=dry_run,
            )
        except importers.ImportFileError as exc:
            for error in exc.errors:
                self.stderr.write(error.line())
            raise CommandError(
                f"{len(exc.errors)} problem(s) in {path}; nothing was imported"
            ) from exc
        verb = "would import" if dry_run else "imported"
        self.stdout.write(
            f"{verb} {summary['rows']} rows from {path}: {summary['created']} new, "
            f"{summary['updated']} updated, {summary['unchanged']} unchanged; "
            f"dates {summary['first_date']} to {summary['last_date']}"
        )
        if summary.get("slots"):
            self.stdout.write(
                f"calendar slots: {summary['slots']} ({summary['slots_created']} new, "
                f"{summary['slots_updated']} updated, {summary['slots_unchanged']} unchanged)"
            )
        if summary.get("tentative"):
            self.stdout.write(f"tentative (proposed, pending, waitlist): {summary['tentative']}")
        span = services.touched_months(summary)
        if not dry_run and span:
            rows = services.rollups_recompute(
                first=span[0], last=span[1], today=timezone.localdate(),
                clinic_ids=summary["clinic_ids"],
            )  # fmt: skip
            self.stdout.write(f"rollups: {rows} rows for {span[0]} to {span[1]}")
