"""The progress-tracking ("logger") API, Kolibri-compatible (docs/logger.md, after
Kolibri's logger API). Thin: parse, authorize, call a service or selector.

Callers: a logged-in student's browser (Django session, CSRF-checked; a student acts only
for themselves), or a partner server with a bearer token naming the student by `user_id`
(sourcedId). A partner writes with `events.write` and reads with `analytics.readonly`, and
reaches only the students enrolled in classes of its courses, and those courses' content.
"""

from allauth.idp.oidc.models import Token
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from core.api.auth import (
    PartnerTokenAuthentication,
    partner_app,
)
from core.api.errors import OneRosterError
from core.api.views import TimebackAPIView
from rostering.models import Enrollment, User

from . import mastery, selectors, services
from .bodies import MAX_DELTA_SECONDS, MAX_INTERACTIONS, plain_update
from .permissions import REQUIRED_SCOPES, StudentOrScopedPartner
from .selectors import Caller

KINDS = ("video", "audio", "document", "exercise", "html5", "topic")
MAX_PAGE_SIZE = 1000


# --- authentication --------------------------------------------------------------------


class LoggerView(TimebackAPIView):
    # The token first: an anonymous request then answers 401 with a Bearer challenge.
    authentication_classes = [PartnerTokenAuthentication, SessionAuthentication]
    permission_classes = [StudentOrScopedPartner]
    required_scopes = REQUIRED_SCOPES

    def caller(self) -> Caller:
        if isinstance(self.request.auth, Token):
            return Caller(student=None, app=partner_app(self.request))
        return Caller(student=self.request.user, app=None)

    def student(self, user_id: str | None, *, field: str = "user_id") -> User:
        caller = self.caller()
        if caller.student is None and not user_id:
            raise ValidationError({field: "Name the student (sourcedId) the request is for."})
        student = selectors.student_for(caller, user_id)
        if student is None:
            raise NotFound(f"No student {user_id}.")
        return student


def refused(error: services.LoggerError | mastery.CriterionError) -> OneRosterError:
    status = getattr(error, "status", 400)
    return OneRosterError(f"{error.field}: {error.message}", http_status=status)


# --- contentsession ---------------------------------------------------------------------


class StartSessionSerializer(serializers.Serializer):
    node_id = serializers.CharField(max_length=255, required=False)
    content_id = serializers.CharField(max_length=255, required=False)
    channel_id = serializers.CharField(max_length=255, required=False)
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    lesson_id = serializers.CharField(max_length=255, required=False)
    quiz_id = serializers.CharField(max_length=255, required=False)
    mastery_model = serializers.JSONField(required=False)
    repeat = serializers.BooleanField(required=False, default=False)
    course_session_id = serializers.CharField(max_length=255, required=False)
    user_id = serializers.CharField(max_length=255, required=False)

    def validate(self, data):
        if "quiz_id" in data and ("node_id" in data or "lesson_id" in data):
            raise ValidationError(
                {"quiz_id": "A quiz_id is not combined with node_id or lesson_id."}
            )
        if "node_id" not in data and "quiz_id" not in data:
            raise ValidationError({"node_id": "Required unless a quiz_id is given."})
        if "node_id" in data:
            if "kind" not in data:
                raise ValidationError({"kind": "Required with a node_id."})
            if data["kind"] == services.EXERCISE and "mastery_model" not in data:
                raise ValidationError({"mastery_model": "Required for an exercise."})
            if data["kind"] != services.EXERCISE and "mastery_model" in data:
                raise ValidationError({"mastery_model": "Only an exercise has a mastery model."})
        return data


class InteractionSerializer(serializers.Serializer):
    id = serializers.UUIDField(required=False)
    item = serializers.CharField(max_length=255)
    correct = serializers.FloatField(min_value=0, max_value=1)
    time_spent = serializers.FloatField(min_value=0, max_value=MAX_DELTA_SECONDS)
    complete = serializers.BooleanField(required=False, default=False)
    answer = serializers.DictField(required=False)
    simple_answer = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    error = serializers.BooleanField(required=False, default=False)
    hinted = serializers.BooleanField(required=False, default=False)
    replace = serializers.BooleanField(required=False, default=False)
    # `item`, `correct` and `time_spent` are required, nothing else (docs/logger.md#interactions):
    # an interaction may carry no `answer` (an item scored by the app, a timed-out item).


class UpdateSessionSerializer(serializers.Serializer):
    progress = serializers.FloatField(min_value=0, max_value=1, required=False)
    progress_delta = serializers.FloatField(min_value=0, max_value=1, required=False)
    time_spent_delta = serializers.FloatField(
        min_value=0, max_value=MAX_DELTA_SECONDS, required=False, default=0.0
    )
    extra_fields = serializers.DictField(required=False)
    interactions = InteractionSerializer(many=True, required=False, max_length=MAX_INTERACTIONS)
    user_id = serializers.CharField(max_length=255, required=False)

    def validate(self, data):
        if "progress" in data and "progress_delta" in data:
            raise ValidationError({"progress_delta": "Send progress or progress_delta, not both."})
        return data


class ContentSessionView(LoggerView):
    @extend_schema(
        request=StartSessionSerializer,
        responses={200: OpenApiTypes.OBJECT},
        description="Start a content session (docs/logger.md): answers session_id, context, "
        "progress, time_spent, extra_fields, complete; for an assessment also "
        "mastery_criterion, pastattempts (the criterion's window) and totalattempts.",
    )
    def post(self, request):
        body = StartSessionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        student = self.student(data.get("user_id"))
        content = self._content(data)
        if data.get("quiz_id"):
            content_id, kind = data["quiz_id"], services.QUIZ_KIND
            criterion = mastery.Criterion(mastery.QUIZ)
            context = {"quiz_id": data["quiz_id"]}
        else:
            content_id = data.get("content_id") or data["node_id"]
            kind, criterion = data["kind"], self._criterion(data, content)
            context = {"node_id": data["node_id"]}
            if data.get("lesson_id"):
                context["lesson_id"] = data["lesson_id"]
        start = services.Start(
            student=student,
            content=content,
            content_id=content_id,
            kind=kind,
            criterion=criterion,
            context=context,
            repeat=data["repeat"],
            app=self.caller().app,
        )
        try:
            return Response(services.start_session(start))
        except services.LoggerError as error:
            raise refused(error) from None

    def _content(self, data) -> selectors.Content:
        """The content the start names, if it is in the caller's courses: an unknown node and
        one outside them answer alike (ids do not leak)."""
        courses = selectors.courses_of_caller(self.caller())
        if data.get("quiz_id"):
            content = selectors.content_for_quiz(data["quiz_id"])
            field = "quiz_id"
        else:
            content = selectors.content_for_node(data["node_id"], data.get("lesson_id"))
            field = "node_id"
        if content is None or not courses.filter(pk=content.course.pk).exists():
            raise ValidationError({field: "No such content in the courses you can reach."})
        channel = data.get("channel_id")
        if channel and channel != content.course.sourced_id:
            raise ValidationError({"channel_id": "Is not the course (sourcedId) of this content."})
        lesson_id = data.get("lesson_id")
        if lesson_id and selectors.lesson_in_course(lesson_id, content.course) is None:
            raise ValidationError({"lesson_id": "No such lesson in this content's course."})
        return content

    def _criterion(self, data, content) -> mastery.Criterion | None:
        if "mastery_model" not in data:
            return None
        try:
            return mastery.parse(data["mastery_model"], item_count=content.item_count)
        except mastery.CriterionError as error:
            raise refused(error) from None


class ContentSessionUpdateView(LoggerView):
    @extend_schema(
        request=UpdateSessionSerializer,
        responses={200: OpenApiTypes.OBJECT},
        description="Update a content session: progress or progress_delta (kept in [0, 1]), "
        "time_spent_delta, extra_fields, interactions. Answers complete (and attempts). "
        "An update repeating the Idempotency-Key header of the previous one changes nothing.",
    )
    def put(self, request, session_id):
        # The usual body of plain values without DRF (logger.bodies: the same validated
        # data); anything else through the serializer, which answers every refusal.
        data = plain_update(request.data)
        if data is None:
            body = UpdateSessionSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        sessions = selectors.sessions_of(self.caller(), data.get("user_id"))
        update = services.Update(
            progress=data.get("progress"),
            progress_delta=data.get("progress_delta"),
            time_spent_delta=data["time_spent_delta"],
            extra_fields=data.get("extra_fields"),
            interactions=[dict(i) for i in data.get("interactions", [])],
        )
        key = request.headers.get("Idempotency-Key", "")
        if len(key) > 200:
            raise ValidationError({"Idempotency-Key": "At most 200 characters."})
        try:
            return Response(services.update_session(sessions, session_id, update, request_key=key))
        except services.LoggerError as error:
            raise refused(error) from None


# --- reads ------------------------------------------------------------------------------


class TotalContentProgressView(LoggerView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description="{id, progress}: the student's completed content and completed tries.",
    )
    def get(self, request, user_id):
        student = self.student(user_id)
        caller = self.caller()
        # A student's own progress counts everywhere; a partner's, in its courses only.
        courses = None if caller.student else selectors.courses_of_caller(caller)
        return Response({"id": user_id, "progress": selectors.total_progress(student, courses)})


def boolean(request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise ValidationError({name: "Must be true or false."})


def integer(request, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: "Must be a whole number."}) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise ValidationError({name: f"Must be between {minimum} and {maximum}."})
    return number


def group_filters(request, queryset):
    """Kolibri's facility / classroom / learner_group filters. Timeback has classes and
    orgs: a classroom and a learner group are a class sourcedId, a facility an org's."""
    for name in ("classroom", "learner_group"):
        if value := request.query_params.get(name):
            queryset = queryset.filter(
                student__in=Enrollment.objects.filter(klass__sourced_id=value).values("user_id")
            )
    if value := request.query_params.get("facility"):
        members = User.objects.filter(
            Q(enrollments__school__sourced_id=value)
            | Q(roles__org__sourced_id=value)
            | Q(primary_org__sourced_id=value)
        ).values("pk")
        queryset = queryset.filter(student__in=members)
    return queryset


def paged(request, queryset, rows):
    """Kolibri's optional paging: with `page_size`, {count, next, previous, results};
    without, a plain list (of at most MAX_PAGE_SIZE rows)."""
    size = integer(request, "page_size", minimum=1, maximum=MAX_PAGE_SIZE)
    if size is None:
        return Response(rows(queryset[:MAX_PAGE_SIZE]))
    page = integer(request, "page", minimum=1) or 1
    count = queryset.count()
    start = (page - 1) * size

    def link(number):
        return request.build_absolute_uri(
            request.path + "?" + _with(request.query_params, page=number)
        )

    return Response(
        {
            "count": count,
            "next": link(page + 1) if start + size < count else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": rows(queryset[start : start + size]),
        }
    )


def _with(params, **changes) -> str:
    query = params.copy()
    for key, value in changes.items():
        query[key] = str(value)
    return query.urlencode()


class MasteryLogReads(LoggerView):
    def tries(self):
        params = self.request.query_params
        for required in ("content", "user"):
            if not params.get(required):
                raise ValidationError({required: "This query parameter is required."})
        student = self.student(params["user"], field="user")
        tries = selectors.tries(self.caller(), student=student, content_id=params["content"])
        complete = boolean(self.request, "complete")
        if complete is not None:
            tries = tries.filter(complete=complete)
        quiz = boolean(self.request, "quiz")
        if quiz is not None:
            only_quizzes = Q(mastery_criterion__type=mastery.QUIZ)
            tries = tries.filter(only_quizzes if quiz else ~only_quizzes)
        return group_filters(self.request, tries)


def query_parameters(*names: str, required: tuple[str, ...] = ()) -> list[OpenApiParameter]:
    return [OpenApiParameter(name, str, required=name in required) for name in names]


GROUPS_AND_PAGES = ("facility", "classroom", "learner_group", "page_size", "page")
TRIES_PARAMETERS = query_parameters(
    "content", "user", "complete", "quiz", *GROUPS_AND_PAGES, required=("content", "user")
)


def try_rows(tries) -> list[dict]:
    return list(tries.values(*selectors.MASTERY_LOG_FIELDS))


class MasteryLogListView(MasteryLogReads):
    @extend_schema(
        parameters=TRIES_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="A student's tries at one content, most recent first.",
    )
    def get(self, request):
        return paged(request, self.tries(), try_rows)


class MasteryLogDiffView(MasteryLogReads):
    @extend_schema(
        parameters=TRIES_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT},
        description="The try at `index` (0: the most recent) with its differences from the "
        "try before: diff {correct, time_spent}, and attemptlogs each with diff {correct}.",
    )
    def get(self, request, index):
        pair = try_rows(self.tries()[index : index + 2])
        if not pair:
            raise NotFound("No mastery log at this index.")
        target = pair[0]
        previous = pair[1] if len(pair) > 1 else None
        target["diff"] = (
            {
                "correct": target["correct"] - previous["correct"],
                "time_spent": target["time_spent"] - previous["time_spent"],
            }
            if previous
            else None
        )
        before = selectors.previous_correct_by_item(previous["id"]) if previous else {}
        attempts = selectors.attempt_rows(
            selectors.attempts_of_caller(self.caller())
            .filter(mastery_log_id=target["id"])
            .order_by("number")
        )
        for attempt in attempts:
            earlier = before.get(attempt["item"])
            attempt["diff"] = {"correct": None if earlier is None else attempt["correct"] - earlier}
        target["attemptlogs"] = attempts
        return Response(target)


class AttemptLogListView(LoggerView):
    @extend_schema(
        parameters=query_parameters(
            "masterylog", "user", "content", "item", "complete", "mastery_level", *GROUPS_AND_PAGES
        ),
        responses={200: OpenApiTypes.OBJECT},
        description="Attempt logs (one per item shown in a try), most recent first.",
    )
    def get(self, request):
        params = request.query_params
        attempts = selectors.attempts_of_caller(self.caller())
        if user := params.get("user"):
            attempts = attempts.filter(student=self.student(user, field="user"))
        if masterylog := params.get("masterylog"):
            attempts = attempts.filter(mastery_log_id=_uuid(masterylog, "masterylog"))
        if content := params.get("content"):
            attempts = attempts.filter(mastery_log__summary__content_id=content)
        if item := params.get("item"):
            attempts = attempts.filter(item=item)
        complete = boolean(request, "complete")
        if complete is not None:
            attempts = attempts.filter(complete=complete)
        level = integer(request, "mastery_level", minimum=1)
        if level is not None:
            attempts = attempts.filter(mastery_log__mastery_level=level)
        attempts = group_filters(request, attempts).order_by("-end_timestamp", "-number")
        return paged(request, attempts, selectors.attempt_rows)


def _uuid(value: str, field: str):
    try:
        return serializers.UUIDField().to_internal_value(value)
    except ValidationError:
        raise ValidationError({field: "Must be a UUID."}) from None
