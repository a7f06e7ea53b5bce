"""Why growth stalled between two tests: motivation, placement or curriculum
(analytics.diagnosis.diagnose_growth; docs/closed-loop.md#the-guides-diagnosis)."""

import pytest

from analytics.diagnosis import Growth, Window, diagnose_growth

DAYS = 40


def growth(
    *,
    minutes_per_day=30,
    waste=0.1,
    answered=400,
    correct=320,
    lessons=6,
    cgi=-0.8,
    observed=None,
    projected=None,
):
    active = minutes_per_day * 60 * DAYS
    wasted = round(active * waste / (1 - waste))
    return Growth(
        window=Window(DAYS, active, wasted, answered, correct),
        lessons_mastered=lessons,
        cgi=cgi,
        observed=observed,
        projected=projected,
    )


@pytest.mark.parametrize(
    ("case", "code", "label"),
    [
        (growth(cgi=0.3), "on_track", "Growth met the projection"),
        (growth(cgi=None, observed=9, projected=8), "on_track", "Growth met the projection"),
        (growth(minutes_per_day=4), "motivation", "Motivation"),
        (growth(waste=0.45), "motivation", "Motivation"),
        (growth(correct=220), "placement", "Placement: too hard"),
        (growth(correct=392), "placement", "Placement: too easy"),
        (growth(), "curriculum", "Curriculum"),
        (growth(lessons=0), "undecided", "Undecided"),
        (growth(cgi=None, observed=3, projected=8, lessons=2), "curriculum", "Curriculum"),
        (growth(cgi=None), "unknown", "No projection"),
        # Too few answers to judge the level: not placement.
        (growth(answered=5, correct=1), "curriculum", "Curriculum"),
    ],
)
def test_a_stall_is_diagnosed_most_upstream_first(case, code, label):
    d = diagnose_growth(case)
    assert (d.code, d.label) == (code, label)


def test_the_evidence_names_the_figures_behind_the_diagnosis():
    d = diagnose_growth(growth(minutes_per_day=4, cgi=-1.25, observed=2, projected=7))

    assert d.evidence == [
        "Grew 2 points, projected 7, conditional growth index -1.25.",
        "4 active minutes per school day over 40 school days.",
        "10% of the time wasted.",
        "80% accuracy over 400 questions.",
        "6 lessons mastered.",
    ]
