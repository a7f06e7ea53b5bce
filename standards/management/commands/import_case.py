"""`python manage.py import_case PATH_OR_URL`: a CASE 1.1 CFPackage (JSON), all or nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from standards.services import PackageRejected, import_package_from


class Command(BaseCommand):
    help = (
        "Import a CASE 1.1 CFPackage (a JSON file, or an http(s) URL). A framework already "
        "held (same CFDocument identifier) is updated in place. If the package breaks meaning "
        "(missing identifiers, an isChildOf to an unknown item of the same framework...), "
        "nothing is written, every problem is listed and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="path of a CFPackage .json file, or its URL")

    def handle(self, *args, source, **options):
        try:
            result = import_package_from(source)
        except PackageRejected as exc:
            for problem in exc.problems:
                self.stderr.write(f"problem: {problem}")
            raise CommandError(
                f"{len(exc.problems)} problem(s): the CFPackage was not imported."
            ) from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the import, nothing was written: {exc}"
            ) from exc
        # Notes (fields the official schema does not know, derived values) never refuse an
        # import; they are listed so whoever imports sees what was kept or derived.
        for note in result.notes:
            self.stderr.write(f"note: {note}")
        verb = "imported" if result.created else "updated"
        self.stdout.write(
            f"{verb} {result.document.title} ({result.document.identifier}): "
            f"{result.items} items, {result.associations} associations, "
            f"{result.definitions} definitions"
            + (
                f", {result.removed} rows no longer in the package removed"
                if result.removed
                else ""
            )
        )
