"""The developer page's count of flagged XP claims sums per-app deltas that triggers on
gradebook_xpflag append (analytics.counts, migration analytics.0006): through the
gradebook's writers (one by one, the batch upsert that recomputes verdicts), deletions and
claims moved to another app, it equals a COUNT of the app's flagged claims."""

import importlib
from datetime import date

import pytest
from django.db import connection

from analytics import counts
from analytics.models import FlaggedClaimCount
from gradebook import services
from gradebook.models import XpFlag
from tests.factories import PartnerAppFactory

pytestmark = [pytest.mark.django_db]


def shown(school, login) -> int:
    page = login(school.developer).get(f"/developers/apps/{school.app.pk}/")
    return page.context["report"].flagged_count


def counted(school) -> int:
    return XpFlag.objects.filter(partner_app=school.app, flagged=True).count()


def claim(school, n, *, seconds, app=None):
    return {
        "source_key": f"claim-{n}",
        "student_id": school.students[n % len(school.students)].pk,
        "course_id": school.course.pk,
        "partner_app_id": (app or school.app).pk,
        "reported_xp": 50,
        "active_seconds": seconds,
        "occurred_on": date(2026, 11, 18),
    }


def test_the_flagged_count_equals_a_count_of_the_apps_flagged_claims(school, login):
    other = PartnerAppFactory(name="Other app", client=False)
    services.record_xp_plausibilities(
        [claim(school, n, seconds=10) for n in range(6)]  # 50 XP in 10 s: flagged
        + [claim(school, n, seconds=3000) for n in range(6, 9)]  # plausible
        + [claim(school, 9, seconds=10, app=other)]
    )
    assert shown(school, login) == counted(school) == 6
    # Recomputed: two verdicts flip each way, the rest stay (the upsert updates them all).
    services.record_xp_plausibilities(
        [claim(school, n, seconds=3000 if n < 2 else 10) for n in range(6)]
        + [claim(school, n, seconds=10 if n == 6 else 3000) for n in range(6, 9)]
    )
    assert shown(school, login) == counted(school) == 5
    services.record_xp_plausibility(**claim(school, 7, seconds=10))
    XpFlag.objects.filter(source_key="claim-2").delete()
    XpFlag.objects.filter(source_key="claim-3").update(partner_app=other)
    assert shown(school, login) == counted(school) == 4
    assert FlaggedClaimCount.objects.filter(partner_app=other).count() > 0


def test_a_view_folds_the_apps_flagged_count_deltas(school, login):
    for n in range(counts.FOLD_ABOVE + 3):  # one statement each: one delta row each
        services.record_xp_plausibility(**claim(school, n, seconds=10))
    rows = FlaggedClaimCount.objects.filter(partner_app=school.app)
    assert rows.count() == counts.FOLD_ABOVE + 3
    assert shown(school, login) == counted(school) == counts.FOLD_ABOVE + 3
    assert rows.count() == 1
    assert shown(school, login) == counted(school)


def test_the_migration_backfills_the_flagged_counts(school, login):
    services.record_xp_plausibilities([claim(school, n, seconds=10) for n in range(3)])
    FlaggedClaimCount.objects.all().delete()
    migration = importlib.import_module("analytics.migrations.0006_flagged_claim_counts")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert shown(school, login) == counted(school) == 3
