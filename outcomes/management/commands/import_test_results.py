"""`python manage.py import_test_results PATH --format map-growth|state [--mapping FILE]`:
standardized test results in (docs/closed-loop.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from outcomes.imports import (
    FORMATS,
    MATCHES,
    ImportRefused,
    MappingInvalid,
    import_test_results,
    load_mapping,
)


class Command(BaseCommand):
    help = (
        "Import standardized test results: an NWEA MAP Growth Combined Data File (CSV) or "
        "Comprehensive Data File (zip), or a state test CSV read through a column mapping. "
        "Rows that cannot be imported are listed by file, line and reason; the rest is "
        "imported (--strict: nothing is, if any row is bad)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the export: a .csv, or a .zip of CSV files")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument(
            "--mapping",
            help="state format: the column mapping, JSON (.json) or TOML (docs/closed-loop.md)",
        )
        parser.add_argument(
            "--match",
            default="auto",
            choices=MATCHES,
            help="how the file's student id finds a student (auto: sourcedId, else "
            "identifier, else email)",
        )
        parser.add_argument(
            "--strict", action="store_true", help="import nothing if any row is bad"
        )

    def handle(self, *args, path, format, mapping, match, strict, **options):
        try:
            loaded = load_mapping(mapping) if mapping else None
            if mapping and format != "state":
                raise MappingInvalid("--mapping is for --format state only")
            report = import_test_results(
                path, format=format, mapping=loaded, match=match, strict=strict
            )
        except MappingInvalid as exc:
            raise CommandError(f"The mapping cannot be used, nothing was written: {exc}") from exc
        except ImportRefused as exc:
            self._notes(exc.notes)
            raise CommandError(exc.message()) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the import, nothing was written: {exc}"
            ) from exc
        self._notes(report.notes)
        for error in report.errors:
            self.stderr.write(f"not imported: {error}")
        self.stdout.write(report.summary())

    def _notes(self, notes):
        for note in notes:
            self.stderr.write(f"note: {note}")
