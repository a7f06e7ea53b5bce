"""`python manage.py import_oneroster_csv PATH`: a OneRoster 1.2 CSV bundle, all or nothing."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from rostering.csv_import import BundleInvalid, import_bundle


class Command(BaseCommand):
    help = (
        "Import a OneRoster 1.2 CSV bundle (a folder or a .zip). Everything is checked first; "
        "if any row is bad nothing is written and every bad row is listed by file, line and field."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help="folder or .zip holding manifest.csv, orgs.csv, users.csv ..."
        )

    def handle(self, *args, path, **options):
        try:
            result = import_bundle(path, progress=progress_bar)
        except BundleInvalid as exc:
            self._write_notes(exc.notes)
            raise CommandError(exc.message()) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the import, nothing was written: {exc}"
            ) from exc
        self._write_notes(result.notes)
        for name, counts in result.counts.items():
            self.stdout.write(f"{name}: {counts}")

    def _write_notes(self, notes):
        for note in notes:
            self.stderr.write(f"note: {note}")


def progress_bar(iterable, *, desc, total):
    # On stderr, so stdout keeps only the summary; tqdm stays silent when stderr is no TTY.
    return tqdm(
        iterable, desc=desc, total=total, unit="row", file=sys.stderr, disable=None, leave=False
    )
