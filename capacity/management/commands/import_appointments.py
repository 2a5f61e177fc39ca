import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from capacity import importers, services
from clinics import changes
from clinics.models import Change


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
        parser.add_argument(
            "--wait",
            type=int,
            nargs="?",
            const=900,
            default=0,
            metavar="SECONDS",
            help="wait (up to 900 s, or SECONDS) until every number the import reaches is fresh",
        )

    def handle(self, *args, path: Path, file_format: str, mapping: Path | None, source: str | None,
               dry_run: bool, wait: int, **options):  # fmt: skip
        try:
            content = path.read_bytes()
            mapping_doc = services.mapping_load(mapping.read_text("utf-8")) if mapping else None
        except OSError as exc:
            raise CommandError(f"cannot read {exc.filename}: {exc.strerror}") from exc
        since = Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
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
        if dry_run or not summary["clinic_ids"]:
            return
        self._await(summary["clinic_ids"], since, wait)

    def _await(self, clinic_ids: list[int], since: int, wait: int) -> None:
        pending = changes.pending(clinic_ids=clinic_ids, since_pk=since)
        if not pending:
            self.stdout.write("rollups, caps, targets and scorecards: up to date")
            return
        if not wait:
            self.stdout.write(
                "rollups, caps, targets and scorecards: recomputing in the background "
                "(see Jobs; --wait waits for them)"
            )
            return
        deadline = time.monotonic() + wait
        while pending and time.monotonic() < deadline:
            time.sleep(1)
            pending = changes.pending(clinic_ids=clinic_ids, since_pk=since)
        if pending:
            raise CommandError(
                f"imported, but the recompute did not finish within {wait} s: is a worker running?"
            )
        self.stdout.write("rollups, caps, targets and scorecards: up to date")
