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

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby

from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from core.db import one_round_trip, prepared_cursor
from gradebook import credit
from gradebook.models import XpEntry
from gradebook.services import credit_xp_statement, record_lesson_mastery
from gradebook.signals import notify_learning_changed
from rostering import zones
from rostering.models import Course, PartnerApp, User

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
from .selectors import ATTEMPT_FIELDS, Content, SessionScope, past_attempts

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


@dataclass
class _Session:
    """The fields of a locked content session an update reads or writes."""

    id: object
    summary_id: object
    mastery_log_id: object
    student_id: int
    course_id: int
    lesson_id: int | None
    partner_app_id: int | None
    progress: float
    time_spent: float
    last_request_key: str
    local_today: date  # the local day of the student's school at the update (rostering.zones)


@dataclass
class _Summary:
    id: object
    progress: float
    time_spent: float
    completion_timestamp: datetime | None
    extra_fields: dict | None = None  # written only when the update sends it


@dataclass
class _Try:
    """The session's try (mastery log), locked, with what the update needs from around it:
    the attempts of the criterion's window, most recent first, and the XP credited so far."""

    id: object
    mastery_criterion: dict
    mastery_level: int = 0
    time_spent: float = 0.0
    attempt_count: int = 0
    correct: float = 0.0
    complete: bool = False
    completion_timestamp: datetime | None = None
    window: list = field(default_factory=list)  # (id, item, correct), most recent first
    credited: object = None
    entries: int = 0

    @property
    def is_quiz(self) -> bool:
        return self.mastery_criterion.get("type") == QUIZ_KIND


@transaction.atomic
def update_session(
    sessions: SessionScope, session_id, update: Update, *, request_key: str = "", now=None
):
    """PUT contentsession/{id}. `sessions` are the sessions the caller may update. The
    session, its summary and its try are locked, so concurrent updates apply one by one; an
    update that repeats the Idempotency-Key of the previous one changes nothing.

    Three round trips for an update with new answers: the locked session and summary; the
    locked try with its window of attempts and its XP so far; one statement for every write
    (new attempts, the day's session time, the ledger entry, the three logs), sent with
    what the signal's receivers send (the daily rollup's lock and derivation, the outcomes'
    staleness) in one round trip."""
    now = now or timezone.now()
    locked = _lock_session(sessions, session_id, now)
    if locked is None:
        raise LoggerError("session_id", f"No content session {session_id}.", status=404)
    session, summary, criterion = locked
    if request_key and request_key == session.last_request_key:
        return {"complete": summary.progress >= 1}
    mastery_log = _lock_try(session, criterion)
    _refuse_finished_quiz(mastery_log)
    if update.interactions and mastery_log is None:
        raise LoggerError("interactions", "This session is not an assessment (no mastery model).")

    _apply_progress(session, update)
    if not _is_exercise(mastery_log):
        _apply_progress(summary, update)
    writes = []
    if update.time_spent_delta:
        writes.append(_add_time(session, summary, mastery_log, update.time_spent_delta))
    if update.extra_fields is not None:
        summary.extra_fields = update.extra_fields
    attempts, new = _record_interactions(session, mastery_log, update.interactions, now)
    if new:
        writes.append(_insert_attempts(new))
    mastered = (
        _evaluate(session, summary, mastery_log, attempts, new, now) if mastery_log else False
    )

    if summary.progress >= 1 and summary.completion_timestamp is None:
        summary.completion_timestamp = now
    session.last_request_key = request_key
    learned = bool(update.time_spent_delta or attempts)
    if mastery_log is not None and learned:
        xp = _try_xp_statement(session, mastery_log)
        if xp is not None:
            writes.append(xp)
    writes += _log_updates(session, summary, mastery_log, now)
    if mastered and session.lesson_id is not None:
        # The lesson mastery is written with the ORM, which reads each statement's row
        # count: the writes answered before it.
        _run_together(writes)
        _feed_the_engine(session, learned, mastered, now)
    else:
        # Nothing of the writes is read: they go with the daily rollup's lock and
        # derivation and the outcomes' look, in one round trip (core.db.one_round_trip).
        with one_round_trip():
            _run_together(writes)
            _feed_the_engine(session, learned, mastered, now)
    answer = {"complete": summary.progress >= 1}
    if update.interactions:
        answer["attempts"] = [{f: getattr(a, f) for f in ATTEMPT_FIELDS} for a in attempts]
    return answer


_SESSIONS = ContentSessionLog._meta.db_table
_SUMMARIES = ContentSummaryLog._meta.db_table
_TRIES = MasteryLog._meta.db_table
_ATTEMPTS = AttemptLog._meta.db_table
_TIMES = SessionTime._meta.db_table


def _lock_session(sessions: SessionScope, session_id, now):
    """The session (if the caller may update it) and its summary, locked; the criterion of
    its try (fixed when the try starts, so the version from before a lock wait is right);
    the local day of the student's school at `now`. One statement."""
    zone, zone_params = zones.student_zone_sql(f'"{_SESSIONS}".student_id')
    s = f'"{_SESSIONS}"'
    sql = (
        f"SELECT {s}.id, {s}.summary_id, {s}.mastery_log_id, {s}.student_id, {s}.course_id,"
        f" {s}.lesson_id, {s}.partner_app_id, {s}.progress, {s}.time_spent,"
        f" {s}.last_request_key, (%s::timestamptz AT TIME ZONE {zone})::date,"
        " su.id, su.progress, su.time_spent, su.completion_timestamp, m.mastery_criterion"
        f' FROM {s} JOIN "{_SUMMARIES}" su ON su.id = {s}.summary_id'
        f' LEFT JOIN "{_TRIES}" m ON m.id = {s}.mastery_log_id'
        f" WHERE {s}.id = %s AND ({sessions.condition})"
        f" FOR UPDATE OF {s}, su"
    )
    with prepared_cursor() as cursor:
        cursor.execute(sql, [now, *zone_params, session_id, *sessions.params])
        row = cursor.fetchone()
    if row is None:
        return None
    criterion = row[15]
    if isinstance(criterion, str):  # Django reads jsonb as text, for JSONField to decode
        criterion = json.loads(criterion)
    return _Session(*row[:11]), _Summary(*row[11:15]), criterion


def _lock_try(session: _Session, criterion: dict | None) -> _Try | None:
    """The session's try, locked, read after the summary's lock is held: a row joined to the
    session's locking query would be the version from before a wait (PostgreSQL re-reads
    only the rows it locks), and a concurrent update's attempts would be numbered twice.
    Every writer of a try, of its attempts and of its XP source holds its summary's lock,
    so the window and the credit read here with it are current too. One statement."""
    if session.mastery_log_id is None:
        return None
    window = mastery.parse(criterion).window
    sql = (
        "SELECT m.mastery_level, m.time_spent, m.attempt_count, m.correct, m.complete,"
        " m.completion_timestamp, x.total, x.entries,"
        " (SELECT array_agg(ARRAY[w.id::text, w.item, w.correct::text] ORDER BY w.number DESC)"
        f'  FROM (SELECT a.id, a.item, a.correct, a.number FROM "{_ATTEMPTS}" a'
        "   WHERE a.mastery_log_id = m.id ORDER BY a.number DESC LIMIT %s) w)"
        f' FROM "{_TRIES}" m, LATERAL (SELECT SUM(e.amount) AS total, COUNT(*) AS entries'
        f'  FROM "{XpEntry._meta.db_table}" e WHERE e.source_key = %s) x'
        " WHERE m.id = %s FOR UPDATE OF m"
    )
    source = credit.logger_try_key(session.mastery_log_id)
    with prepared_cursor() as cursor:
        cursor.execute(sql, [window, source, session.mastery_log_id])
        level, spent, count, correct, complete, completed, total, entries, recent = (
            cursor.fetchone()
        )
    return _Try(
        id=session.mastery_log_id,
        mastery_criterion=criterion,
        mastery_level=level,
        time_spent=spent,
        attempt_count=count,
        correct=correct,
        complete=complete,
        completion_timestamp=completed,
        window=[(a_id, item, float(right)) for a_id, item, right in recent or ()],
        credited=total,
        entries=entries,
    )


def _run_together(statements: list[tuple[str, list]]) -> None:
    """The statements in one, all but the last as data-modifying WITH queries: one round
    trip for every write of an update."""
    *first, (last, last_params) = statements
    params = [value for _, part in first for value in part] + list(last_params)
    sql = "".join(
        ("WITH " if i == 0 else ", ") + f"w{i} AS ({part})" for i, (part, _) in enumerate(first)
    )
    with prepared_cursor() as cursor:
        cursor.execute(f"{sql} {last}".strip(), params)


def _log_updates(session: _Session, summary: _Summary, mastery_log: _Try | None, now) -> list:
    """The updates of the three logs (only what an update may change: the rest is fixed at
    the start)."""
    summary_sets = "progress = %s, time_spent = %s, end_timestamp = %s, completion_timestamp = %s"
    summary_params = [summary.progress, summary.time_spent, now, summary.completion_timestamp]
    if summary.extra_fields is not None:
        summary_sets += ", extra_fields = %s"
        summary_params.append(Jsonb(summary.extra_fields))
    updates = [
        (
            f'UPDATE "{_SESSIONS}" SET progress = %s, time_spent = %s, end_timestamp = %s,'
            " last_request_key = %s WHERE id = %s",
            [session.progress, session.time_spent, now, session.last_request_key, session.id],
        ),
        (
            f'UPDATE "{_SUMMARIES}" SET {summary_sets} WHERE id = %s',
            [*summary_params, summary.id],
        ),
    ]
    if mastery_log is not None:
        updates.append(
            (
                f'UPDATE "{_TRIES}" SET time_spent = %s, attempt_count = %s, correct = %s,'
                " complete = %s, completion_timestamp = %s WHERE id = %s",
                [
                    mastery_log.time_spent,
                    mastery_log.attempt_count,
                    mastery_log.correct,
                    mastery_log.complete,
                    mastery_log.completion_timestamp,
                    mastery_log.id,
                ],
            )
        )
    return updates


def _is_exercise(mastery_log: _Try | None) -> bool:
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


def _add_time(session, summary, mastery_log, seconds: float) -> tuple[str, list]:
    """Add the seconds to the logs; answer the statement that adds them to the day's
    session time (run with the logs' updates, in one round trip)."""
    session.time_spent += seconds
    summary.time_spent += seconds
    if mastery_log is not None:
        mastery_log.time_spent += seconds
    # The session row is locked, so this increment cannot race with another update of the
    # session; the local day of the update (rostering.zones) is the day the time was spent.
    return (
        f'INSERT INTO "{_TIMES}" (session_id, occurred_on, student_id, course_id, seconds)'
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (session_id, occurred_on)"
        f' DO UPDATE SET seconds = "{_TIMES}".seconds + EXCLUDED.seconds',
        [session.id, session.local_today, session.student_id, session.course_id, seconds],
    )


def _record_interactions(session, mastery_log, interactions, now) -> tuple[list, list]:
    """Kolibri's rule: consecutive interactions with the same item are one attempt; the
    first creates it unless it names an attempt (`id`) or asks to `replace` the latest
    attempt at the item; the others update it. Answers the attempts touched, in order, and
    those of them that are new (inserted with the update's other writes; an existing one is
    saved here)."""
    attempts, new = [], []
    numbered = list(enumerate(interactions))
    for _, group in groupby(numbered, key=lambda pair: pair[1]["item"]):
        group = list(group)
        position, first = group[0]
        attempt = _existing_attempt(mastery_log, first, position)
        existing = False
        if attempt is None:
            attempt = _new_attempt(session, mastery_log, first, now)
            new.append(attempt)
            group = group[1:]
        else:
            existing = True
        for _, interaction in group:
            before = attempt.correct
            _update_attempt(attempt, interaction, now)
            mastery_log.correct += attempt.correct - before
        if existing:
            attempt.save()
        attempts.append(attempt)
    return attempts, new


def _existing_attempt(mastery_log, interaction, position) -> AttemptLog | None:
    if interaction.get("id") is not None:
        attempt = AttemptLog.objects.filter(
            mastery_log_id=mastery_log.id, pk=interaction["id"]
        ).first()
        if attempt is None:
            raise LoggerError(
                f"interactions[{position}].id", "No such attempt in this try of the session."
            )
        return attempt
    if interaction.get("replace"):
        attempts = AttemptLog.objects.filter(
            mastery_log_id=mastery_log.id, item=interaction["item"]
        )
        return attempts.order_by("-number").first()
    return None


def _new_attempt(session, mastery_log, interaction, now) -> AttemptLog:
    mastery_log.attempt_count += 1
    mastery_log.correct += interaction["correct"]
    complete = interaction.get("complete", False)
    return AttemptLog(
        mastery_log_id=mastery_log.id,
        session_id=session.id,
        student_id=session.student_id,
        course_id=session.course_id,
        number=mastery_log.attempt_count,
        item=interaction["item"],
        start_timestamp=now - timedelta(seconds=interaction["time_spent"]),
        end_timestamp=now,
        completion_timestamp=now if complete else None,
        occurred_on=session.local_today,
        time_spent=interaction["time_spent"],
        complete=complete,
        correct=interaction["correct"],
        hinted=interaction.get("hinted", False),
        error=interaction.get("error", False),
        answer=interaction.get("answer"),
        simple_answer=interaction.get("simple_answer", ""),
        interaction_history=[_history_entry(interaction)],
    )


_ATTEMPT_COLUMNS = (
    "id",
    "mastery_log_id",
    "session_id",
    "student_id",
    "course_id",
    "number",
    "item",
    "start_timestamp",
    "end_timestamp",
    "completion_timestamp",
    "occurred_on",
    "time_spent",
    "complete",
    "correct",
    "hinted",
    "error",
    "answer",
    "simple_answer",
    "interaction_history",
)


def _insert_attempts(attempts: list[AttemptLog]) -> tuple[str, list]:
    """One INSERT of the new attempts (every column, as AttemptLog.save() wrote them; a
    missing answer is SQL NULL, as the JSONField stores None)."""
    params = []
    for attempt in attempts:
        values = [getattr(attempt, column) for column in _ATTEMPT_COLUMNS]
        values[-3] = None if attempt.answer is None else Jsonb(attempt.answer)
        values[-1] = Jsonb(attempt.interaction_history)
        params += values
    row = "(" + ", ".join(["%s"] * len(_ATTEMPT_COLUMNS)) + ")"
    return (
        f'INSERT INTO "{_ATTEMPTS}" ({", ".join(_ATTEMPT_COLUMNS)})'
        f" VALUES {', '.join([row] * len(attempts))}",
        params,
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


def _evaluate(session, summary, mastery_log, attempts, new, now) -> bool:
    """Score the try on the server. Answers whether this update met its mastery. The window
    was read before this update's writes: its attempts are laid over it (a new one is the
    most recent; a changed one replaces the version read)."""
    if mastery_log.complete:
        return False
    criterion = mastery.parse(mastery_log.mastery_criterion)
    added = {id(a) for a in new}
    # An attempt fetched twice in one update (named by two interactions) was saved twice:
    # the last version is the stored one.
    changed = {str(a.id): a for a in attempts if id(a) not in added}
    recent = [mastery.Attempt(a.item, a.correct) for a in reversed(new)]
    for attempt_id, item, correct in mastery_log.window:
        attempt = changed.get(attempt_id)
        recent.append(
            mastery.Attempt(attempt.item, attempt.correct)
            if attempt
            else mastery.Attempt(item, correct)
        )
    recent = recent[: criterion.window]
    if criterion.type == mastery.QUIZ:
        submitted = summary.progress >= 1
        met = mastery.is_met(
            criterion,
            recent,
            submitted=submitted,
            pass_fraction=credit.quiz_pass_fraction(
                Course.objects.values_list("metadata", flat=True).get(pk=session.course_id)
            ),
        )
        finished = submitted
    else:
        summary.progress = max(summary.progress, mastery.progress(criterion, recent))
        met = finished = mastery.is_met(criterion, recent)
    if finished:
        mastery_log.complete = True
        mastery_log.completion_timestamp = now
    return met


def _feed_the_engine(session, learned: bool, mastered: bool, now) -> None:
    """Mastery of this update into the gradebook, and the touched daily rollups rebuilt
    (docs/logger.md: the same pipeline as Caliper events); its time and XP were written
    with the logs."""
    key = (session.student_id, session.course_id, session.local_today)
    keys = {key} if learned else set()
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


def _try_xp_statement(session: _Session, try_: _Try) -> tuple[str, list] | None:
    """The computed XP (docs/xp-and-mastery.md#computed-xp) of the session's try, from what is
    stored on it (so the order of updates does not matter and nothing is counted twice): its time,
    the accuracy of its attempts, and its number as the attempt. Answers the ledger entry's
    statement when the ledger changes."""
    earned = credit.try_credit(
        time_spent=try_.time_spent,
        correct=try_.correct,
        attempts=try_.attempt_count,
        try_number=try_.mastery_level,
    )
    return credit_xp_statement(
        source_key=credit.logger_try_key(try_.id),
        target=earned.xp,
        credited=try_.credited,
        entries=try_.entries,
        kind=earned.kind,
        student_id=session.student_id,
        course_id=session.course_id,
        lesson_id=session.lesson_id,
        partner_app_id=session.partner_app_id,
        occurred_on=session.local_today,
    )
