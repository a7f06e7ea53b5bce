"""Writes of the progress-tracking ("logger") API (docs/logger.md): starting and updating content
sessions, with mastery evaluated here on the server (logger/mastery.py).

A session feeds the learning engine through the same gradebook services as the Caliper
pipeline, so the dashboards cannot tell the two sources apart:
- its time counts as active time (SessionTime, per local day of the school, read by the daily rollups);
- its XP is the computed XP (docs/xp-and-mastery.md#computed-xp) of the try (the logger's
  "activity attempt"): the try's time, the accuracy of its attempts and its number,
  credited to one ledger source per try (a later update writes a correcting entry), so how a
  client splits a try into sessions does not change what it earns;
- a met mastery masters the lesson (record_lesson_mastery);
and the touched (student, course, day) rollups are rebuilt in the same transaction.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db import connection, transaction
from django.db.models import DateField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from gradebook import credit
from gradebook.services import credit_xp, record_lesson_mastery
from gradebook.signals import notify_learning_changed
from rostering import zones
from rostering.models import PartnerApp, User

from . import mastery
from .models import (
    AttemptLog,
    ContentSessionLog,
    ContentSummaryLog,
    MasteryLog,
    SessionTime,
    mastery_log_id,
    summary_log_id,
)
from .selectors import ATTEMPT_FIELDS, Content, past_attempts

EXERCISE = "exercise"
QUIZ_KIND = "quiz"


class LoggerError(Exception):
    """A request the logger refuses; `field` names what is wrong, `status` is the answer."""

    def __init__(self, field: str, message: str, *, status: int = 400):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Start:
    student: User
    content: Content
    content_id: str
    kind: str
    criterion: mastery.Criterion | None
    context: dict
    repeat: bool = False
    app: PartnerApp | None = None


@dataclass
class Update:
    progress: float | None = None
    progress_delta: float | None = None
    time_spent_delta: float = 0.0
    extra_fields: dict | None = None
    interactions: list[dict] = field(default_factory=list)


# --- start ------------------------------------------------------------------------------


@transaction.atomic
def start_session(start: Start, *, now: datetime | None = None) -> dict:
    """POST contentsession: the student's summary of this content (created once), their
    current try when it is an assessment (a new one on `repeat` after a finished try), and a
    new session. Answers the start answer of docs/logger.md#starting-a-session."""
    now = now or timezone.now()
    summary = _summary_for(start, now)
    answer = {
        "progress": summary.progress,
        "time_spent": summary.time_spent,
        "extra_fields": summary.extra_fields,
        "complete": summary.progress >= 1,
    }
    context = dict(start.context)
    mastery_log = None
    if start.criterion is not None:
        mastery_log = _current_try(summary, start, now)
        criterion = mastery.parse(mastery_log.mastery_criterion)
        context["mastery_level"] = mastery_log.mastery_level
        answer.update(
            mastery_criterion=mastery_log.mastery_criterion,
            pastattempts=past_attempts(mastery_log, criterion.window),
            totalattempts=mastery_log.attempt_count,
            complete=mastery_log.complete,
            time_spent=mastery_log.time_spent,
        )
    session = ContentSessionLog.objects.create(
        summary=summary,
        mastery_log=mastery_log,
        student=start.student,
        course=start.content.course,
        lesson=start.content.lesson,
        partner_app=start.app,
        content_id=start.content_id,
        kind=start.kind,
        context=context,
        start_timestamp=now,
        end_timestamp=now,
    )
    answer.update(session_id=session.id, context=context)
    return answer


def _summary_for(start: Start, now) -> ContentSummaryLog:
    """The one summary of (student, content), locked for this transaction; `repeat` starts
    its progress afresh."""
    summary, created = ContentSummaryLog.objects.select_for_update().get_or_create(
        id=summary_log_id(start.student.pk, start.content_id),
        defaults={
            "student": start.student,
            "course": start.content.course,
            "lesson": start.content.lesson,
            "content_id": start.content_id,
            "kind": start.kind,
            "start_timestamp": now,
            "end_timestamp": now,
        },
    )
    if not created:
        summary.end_timestamp = now
        fields = ["end_timestamp"]
        if start.repeat:
            summary.progress = 0
            summary.completion_timestamp = None
            fields += ["progress", "completion_timestamp"]
        summary.save(update_fields=fields)
    return summary


def _current_try(summary: ContentSummaryLog, start: Start, now) -> MasteryLog:
    """The latest try, or a new one when there is none or the latest is finished and the
    student asks to repeat. A try keeps the criterion it was started with."""
    latest = summary.mastery_logs.order_by("-mastery_level").first()
    if latest is not None and not (latest.complete and start.repeat):
        _refuse_finished_quiz(latest)
        return latest
    level = latest.mastery_level + 1 if latest else 1
    return MasteryLog.objects.create(
        id=mastery_log_id(summary.id, level),
        summary=summary,
        student=start.student,
        mastery_level=level,
        mastery_criterion=start.criterion.as_json(),
        start_timestamp=now,
        end_timestamp=now,
    )


def _refuse_finished_quiz(mastery_log: MasteryLog | None) -> None:
    if mastery_log is not None and mastery_log.complete and mastery_log.is_quiz:
        raise LoggerError(
            "quiz_id",
            "This coach-assigned quiz is complete and read-only; start it with repeat to try again.",
            status=403,
        )


# --- update -----------------------------------------------------------------------------


# What an update may change (the rest of the rows is fixed at the start): saving only these
# spares serializing the JSON fields that do not change.
SESSION_FIELDS_UPDATED = ["progress", "time_spent", "end_timestamp", "last_request_key"]
SUMMARY_FIELDS_UPDATED = [
    "progress",
    "time_spent",
    "extra_fields",
    "end_timestamp",
    "completion_timestamp",
]
TRY_FIELDS_UPDATED = ["time_spent", "attempt_count", "correct", "complete", "completion_timestamp"]


@transaction.atomic
def update_session(sessions, session_id, update: Update, *, request_key: str = "", now=None):
    """PUT contentsession/{id}. `sessions` are the sessions the caller may update. The
    session, its summary and its try are locked, so concurrent updates apply one by one; an
    update that repeats the Idempotency-Key of the previous one changes nothing."""
    now = now or timezone.now()
    zone, zone_params = zones.student_zone_sql(f"{ContentSessionLog._meta.db_table}.student_id")
    session = (
        sessions.select_for_update(of=("self", "summary"))
        .select_related("summary")
        # The local day of the student's school at `now`, read by the locking query itself.
        .annotate(
            local_today=RawSQL(
                f"(%s::timestamptz AT TIME ZONE {zone})::date", [now, *zone_params], DateField()
            )
        )
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise LoggerError("session_id", f"No content session {session_id}.", status=404)
    summary, mastery_log = session.summary, _locked_try(session)
    if request_key and request_key == session.last_request_key:
        return {"complete": summary.progress >= 1}
    _refuse_finished_quiz(mastery_log)
    if update.interactions and mastery_log is None:
        raise LoggerError("interactions", "This session is not an assessment (no mastery model).")

    _apply_progress(session, update)
    if not _is_exercise(mastery_log):
        _apply_progress(summary, update)
    time_written = _add_time(session, summary, mastery_log, update.time_spent_delta, now)
    if update.extra_fields is not None:
        summary.extra_fields = update.extra_fields
    attempts = _record_interactions(session, mastery_log, update.interactions, now)
    mastered = _evaluate(session, summary, mastery_log, now) if mastery_log else False

    if summary.progress >= 1 and summary.completion_timestamp is None:
        summary.completion_timestamp = now
    session.end_timestamp = summary.end_timestamp = now
    session.last_request_key = request_key
    changed = [(session, SESSION_FIELDS_UPDATED), (summary, SUMMARY_FIELDS_UPDATED)]
    if mastery_log is not None:
        changed.append((mastery_log, TRY_FIELDS_UPDATED))
    _save_together(changed, time_written)

    _feed_the_engine(session, update, attempts, mastered, now)
    answer = {"complete": summary.progress >= 1}
    if update.interactions:
        answer["attempts"] = [{f: getattr(a, f) for f in ATTEMPT_FIELDS} for a in attempts]
    return answer


def _today(session, now) -> date:
    """The local day of the student's school (rostering.zones) at `now`, read once per update
    (update_session reads it with the session)."""
    if session.__dict__.get("local_today") is not None:
        return session.local_today
    cached = session.__dict__.get("_local_today")
    if cached is None or cached[0] != now:
        cached = session.__dict__["_local_today"] = (now, zones.local_day(session.student_id, now))
    return cached[1]


def _save_together(changed: list[tuple], also: tuple[str, list] | None = None) -> None:
    """`instance.save(update_fields=fields)` of each (instance, fields), and the statement
    `also`, in one statement (all but the last as data-modifying WITH queries): one round
    trip instead of four. The logs have no save() of their own and no signal receivers."""
    quote = connection.ops.quote_name
    parts, params = [], []
    if also is not None:
        parts.append(also[0])
        params.extend(also[1])
    for instance, fields in changed:
        meta = instance._meta
        sets = []
        for name in fields:
            field = meta.get_field(name)
            sets.append(f"{quote(field.column)} = %s")
            params.append(field.get_db_prep_save(getattr(instance, field.attname), connection))
        parts.append(
            f"UPDATE {quote(meta.db_table)} SET {', '.join(sets)} WHERE {quote(meta.pk.column)} = %s"
        )
        params.append(meta.pk.get_db_prep_value(instance.pk, connection))
    *first, last = parts
    sql = "".join(
        ("WITH " if i == 0 else ", ") + f"u{i} AS ({part})" for i, part in enumerate(first)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {last}".strip(), params)


def _locked_try(session: ContentSessionLog) -> MasteryLog | None:
    """The session's try, read after the summary's lock is held: a row joined to the locking
    query would be the version from before the wait (PostgreSQL re-reads only the rows it
    locks), and a concurrent update's attempts would be numbered twice."""
    if session.mastery_log_id is None:
        return None
    session.mastery_log = MasteryLog.objects.select_for_update().get(pk=session.mastery_log_id)
    return session.mastery_log


def _is_exercise(mastery_log: MasteryLog | None) -> bool:
    """An exercise's progress is the server's to compute; a quiz's and other content's
    progress is what the client reports (a quiz is submitted by reaching 1)."""
    return mastery_log is not None and not mastery_log.is_quiz


def _apply_progress(log, update: Update) -> None:
    if update.progress_delta is not None:
        log.progress = normalized_progress(log.progress + update.progress_delta)
    elif update.progress is not None:
        log.progress = normalized_progress(update.progress)


def normalized_progress(value: float) -> float:
    """Progress is kept in [0, 1] to three decimals, rounded up (as Kolibri)."""
    return max(0.0, min(1.0, math.ceil(round(value * 1000, 6)) / 1000))


def _add_time(session, summary, mastery_log, seconds: float, now) -> tuple[str, list] | None:
    """Add the seconds to the logs; answer the statement that adds them to the day's
    session time (run with the logs' updates, in one round trip)."""
    if not seconds:
        return None
    session.time_spent += seconds
    summary.time_spent += seconds
    if mastery_log is not None:
        mastery_log.time_spent += seconds
    # The session row is locked, so this increment cannot race with another update of the
    # session; the local day of the update (rostering.zones) is the day the time was spent.
    table = SessionTime._meta.db_table
    return (
        f"INSERT INTO {table} (session_id, occurred_on, student_id, course_id, seconds)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (session_id, occurred_on)"
        f" DO UPDATE SET seconds = {table}.seconds + EXCLUDED.seconds",
        [session.pk, _today(session, now), session.student_id, session.course_id, seconds],
    )


def _record_interactions(session, mastery_log, interactions, now) -> list[AttemptLog]:
    """Kolibri's rule: consecutive interactions with the same item are one attempt; the
    first creates it unless it names an attempt (`id`) or asks to `replace` the latest
    attempt at the item; the others update it."""
    attempts = []
    numbered = list(enumerate(interactions))
    for _, group in groupby(numbered, key=lambda pair: pair[1]["item"]):
        group = list(group)
        position, first = group[0]
        attempt = _existing_attempt(mastery_log, first, position)
        if attempt is None:
            attempt = _new_attempt(session, mastery_log, first, now)
            group = group[1:]
        for _, interaction in group:
            before = attempt.correct
            _update_attempt(attempt, interaction, now)
            mastery_log.correct += attempt.correct - before
        attempt.save()
        attempts.append(attempt)
    return attempts


def _existing_attempt(mastery_log, interaction, position) -> AttemptLog | None:
    if interaction.get("id") is not None:
        attempt = mastery_log.attempts.filter(pk=interaction["id"]).first()
        if attempt is None:
            raise LoggerError(
                f"interactions[{position}].id", "No such attempt in this try of the session."
            )
        return attempt
    if interaction.get("replace"):
        return mastery_log.attempts.filter(item=interaction["item"]).order_by("-number").first()
    return None


def _new_attempt(session, mastery_log, interaction, now) -> AttemptLog:
    mastery_log.attempt_count += 1
    mastery_log.correct += interaction["correct"]
    complete = interaction.get("complete", False)
    return AttemptLog(
        mastery_log=mastery_log,
        session=session,
        student_id=session.student_id,
        course_id=session.course_id,
        number=mastery_log.attempt_count,
        item=interaction["item"],
        start_timestamp=now - timedelta(seconds=interaction["time_spent"]),
        end_timestamp=now,
        completion_timestamp=now if complete else None,
        occurred_on=_today(session, now),
        time_spent=interaction["time_spent"],
        complete=complete,
        correct=interaction["correct"],
        hinted=interaction.get("hinted", False),
        error=interaction.get("error", False),
        answer=interaction.get("answer"),
        simple_answer=interaction.get("simple_answer", ""),
        interaction_history=[_history_entry(interaction)],
    )


def _update_attempt(attempt: AttemptLog, interaction, now) -> None:
    attempt.interaction_history = [*attempt.interaction_history, _history_entry(interaction)]
    attempt.end_timestamp = now
    attempt.time_spent = interaction["time_spent"]
    attempt.error = attempt.error or interaction.get("error", False)
    # A hint taken after the item was answered right does not mark it hinted.
    if interaction.get("hinted") and not attempt.correct:
        attempt.hinted = True
    if interaction.get("replace"):
        attempt.correct = interaction["correct"]
        if "answer" in interaction:
            attempt.answer = interaction["answer"]
        if "simple_answer" in interaction:
            attempt.simple_answer = interaction["simple_answer"]
    if interaction.get("complete") and not attempt.complete:
        attempt.complete = True
        attempt.completion_timestamp = now


def _history_entry(interaction) -> dict:
    if interaction.get("error"):
        return {"type": "error"}
    if interaction.get("hinted"):
        return {"type": "hint", "answer": interaction.get("answer")}
    return {
        "type": "answer",
        "answer": interaction.get("answer"),
        "correct": interaction["correct"],
    }


def _evaluate(session, summary, mastery_log, now) -> bool:
    """Score the try on the server. Answers whether this update met its mastery."""
    if mastery_log.complete:
        return False
    criterion = mastery.parse(mastery_log.mastery_criterion)
    recent = [
        mastery.Attempt(a["item"], a["correct"])
        for a in past_attempts(mastery_log, criterion.window)
    ]
    if criterion.type == mastery.QUIZ:
        submitted = summary.progress >= 1
        met = mastery.is_met(
            criterion,
            recent,
            submitted=submitted,
            pass_fraction=credit.quiz_pass_fraction(session.course.metadata),
        )
        finished = submitted
    else:
        summary.progress = max(summary.progress, mastery.progress(criterion, recent))
        met = finished = mastery.is_met(criterion, recent)
    if finished:
        mastery_log.complete = True
        mastery_log.completion_timestamp = now
    return met


def _feed_the_engine(session, update, attempts, mastered, now) -> None:
    """Time, XP and mastery of this update into the gradebook, and the touched daily
    rollups rebuilt (docs/logger.md: the same pipeline as Caliper events)."""
    today = _today(session, now)
    key = (session.student_id, session.course_id, today)
    keys = set()
    if update.time_spent_delta or attempts:
        keys.add(key)
    if session.mastery_log_id is not None and keys:
        if _credit_try_xp(session, today):
            keys.add(key)
    if mastered and session.lesson_id is not None:
        moved_from = record_lesson_mastery(
            student_id=session.student_id,
            lesson_id=session.lesson_id,
            course_id=session.course_id,
            at=now,
            source_key=credit.logger_try_key(session.mastery_log_id),
        )
        keys.add(key)
        if moved_from is not None:
            keys.add(
                (
                    session.student_id,
                    session.course_id,
                    zones.local_day(session.student_id, moved_from),
                )
            )
    notify_learning_changed(keys)


def _credit_try_xp(session: ContentSessionLog, today) -> bool:
    """The computed XP (docs/xp-and-mastery.md#computed-xp) of the session's try, from what is
    stored on it (so the order of updates does not matter and nothing is counted twice): its time,
    the accuracy of its attempts, and its number as the attempt. Answers whether the ledger
    changed."""
    try_ = session.mastery_log
    earned = credit.try_credit(
        time_spent=try_.time_spent,
        correct=try_.correct,
        attempts=try_.attempt_count,
        try_number=try_.mastery_level,
    )
    entry = credit_xp(
        source_key=credit.logger_try_key(try_.pk),
        target=earned.xp,
        kind=earned.kind,
        student_id=session.student_id,
        course_id=session.course_id,
        lesson_id=session.lesson_id,
        partner_app_id=session.partner_app_id,
        occurred_on=today,
    )
    return entry is not None
