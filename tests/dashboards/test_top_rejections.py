"""The developer page's top rejection reasons, counted in one SQL statement, equal the rule
applied rejection by rejection in Python over the newest REJECTION_SAMPLE rejections: each
reason as often as an event's errors name it, the most frequent first, ties in the order
first met from the newest (Counter.most_common), each with the newest rejection giving it
as its example (its body and all its errors)."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from dashboards import selectors
from dashboards.selectors import _top_rejections
from events.models import RejectedEvent
from tests.factories import PartnerAppFactory

pytestmark = [pytest.mark.django_db]


def one_by_one(app, limit=5):
    recent = RejectedEvent.objects.filter(partner_app=app).order_by("-received_at", "-pk")[
        : selectors.REJECTION_SAMPLE
    ]
    counts, examples = Counter(), {}
    for rejection in recent:
        for reason in rejection.errors or []:
            counts[reason] += 1
            examples.setdefault(reason, rejection)
    return [
        (reason, n, examples[reason].raw, examples[reason].errors)
        for reason, n in counts.most_common(limit)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_top_reasons_counted_in_sql_equal_the_rule_rejection_by_rejection(
    school, seed, monkeypatch
):
    monkeypatch.setattr(selectors, "REJECTION_SAMPLE", 40)  # older ones fall outside
    rng = random.Random(seed)
    other = PartnerAppFactory(name="Other app", client=False)
    reasons = [f"reason {n}" for n in range(8)]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(70):
        # Few distinct times: ties of received_at are broken by id, newest first.
        errors = rng.choices(reasons, k=rng.randrange(0, 4))  # a reason twice, or none
        RejectedEvent.objects.create(
            partner_app=school.app if n % 7 else other,
            envelope_id="00000000-0000-0000-0000-000000000001",
            index=n,
            errors=errors,
            raw=None if n % 11 == 0 else {"id": f"bad-{n}", "n": n, "nested": {"ok": [1, None]}},
            received_at=start + timedelta(minutes=rng.randrange(10)),
        )
    expected = one_by_one(school.app)
    got = [(r.reason, r.count, r.example, r.example_errors) for r in _top_rejections(school.app)]
    assert got == expected


def test_no_rejections_no_reasons(school):
    assert _top_rejections(school.app) == []
