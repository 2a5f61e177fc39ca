from pathlib import Path

from django.core.management.base import BaseCommand

from clinics import network, selectors


class Command(BaseCommand):
    help = "Write the supply side as a network file (DESIGN §4) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")

    def handle(self, *args, output: Path | None, **options):
        text = network.export(selectors.network_document())
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
