"""Settings, all from the environment (django-environ), with safe defaults for the demo.

Defaults: the embedded PostgreSQL server with its data in ./var (timeback/embedded_pg.py,
started on first use), Celery tasks run eagerly in process (no broker), DEBUG on.
Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, OIDC_PRIVATE_KEY and DEBUG=false.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("TIMEBACK_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEMO_SECRET_KEY = "demo-insecure-secret-key-do-not-use-in-production"
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default=DEMO_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured(
        "Set SECRET_KEY in the environment: the demo key is refused when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "core.api.errors.csrf_failure"  # JSON on API paths

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
    "timeback",
    "core",
    "rostering",
    "standards",
    "gradebook",
    "logger",
    "events",
    "analytics",
    "outcomes",
    "remediation",
    "django_htmx",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "timeback.urls"
WSGI_APPLICATION = "timeback.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL only. Without DATABASE_URL, the project's own embedded server (var/pg), which
# this starts when it is not running yet, so that any manage.py command works on a fresh clone.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from timeback.embedded_pg import ensure_running

    DATABASES = {"default": ensure_running(VAR_DIR / "pg")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# A kept connection is checked before a request reuses it: after a PostgreSQL restart each
# worker's connection is dead, and without the check its next request answered 500.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Django's PostgreSQL backend whose health check asks the socket, not the server, unless the
# server has hung up (timeback/postgresql/base.py): one round trip fewer per request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "timeback.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "rostering.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# Argon2 first (Django's hasher at OWASP's cost, core/passwords.py): a login costs ~40 ms of
# server time instead of PBKDF2's 0.4-1.7 s at 1,000,000 iterations (a class of 40 signing in
# together queued ~25 s on 2 cores). The others stay so that existing PBKDF2 hashes still
# verify; Django rehashes them with Argon2 at their owner's next successful login.
PASSWORD_HASHERS = [
    "core.passwords.SchoolArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env.bool("FAST_PASSWORD_HASHER", default=False):
    # Tests only: even Argon2's deliberate cost would dominate the suite's run time. MD5 goes
    # first (new hashes); the real list follows, so hashes made by it still verify.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"  # stored times are UTC; a student's days are their school's (below)
# The IANA time zone of an org that names none (docs/dashboards.md#days-are-the-schools-local-days).
SCHOOL_TIME_ZONE = env("SCHOOL_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The cache holds login rate limits, so every web process must share it: Redis when
# REDIS_URL is set (production), CACHE_URL to choose another, else in-process (the demo).
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "timeback",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- django-allauth: browser login and the OIDC provider behind "Sign in with Timeback" ---
ACCOUNT_ADAPTER = "rostering.accounts.AccountAdapter"  # no self-signup: accounts are rostered
ACCOUNT_LOGIN_METHODS = {"username", "email"}  # young students often have no email
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False  # shared classroom computers: the session ends with the browser
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "/dashboard/"  # dashboards.views.landing: each role to its page
LOGIN_URL = "/accounts/login/"
# A class starting logs in 30-40 students from one school IP within a minute: the per-IP
# limits are sized for several classes at once. Failed logins count per account *and*
# address (`login_failed`'s "key" is the pair, rostering/accounts.py): 5 in 5 minutes, 10 in
# an hour, so wrong passwords sent from elsewhere never lock a student out at school. Across
# every address an account takes at most 50 failures an hour (`login_failed_account`), so
# guessing from many addresses stays slow. Limits live in the shared cache (Redis in
# production). See docs/access.md#browser-login.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="300/m/ip"),
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="100/m/ip,5/5m/key,10/h/key"),
    "login_failed_account": env.str("RATE_LIMIT_LOGIN_FAILED_ACCOUNT", default="50/h/key"),
    "reset_password": "60/m/ip,3/m/key",
    "reset_password_from_key": "60/m/ip",
}
# Behind a reverse proxy, the client IP is the one the proxy appends to X-Forwarded-For.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="timeback@localhost")
IDP_OIDC_ADAPTER = "rostering.oidc.TimebackOIDCAdapter"


def _oidc_private_key() -> str:
    """The RSA key that signs ID tokens: from the environment, else a per-install dev key."""
    pem = env.str("OIDC_PRIVATE_KEY", default="")
    if pem:
        return pem.replace("\\n", "\n")
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set OIDC_PRIVATE_KEY (PEM) in the environment when DEBUG is off."
        )
    key_file = VAR_DIR / "oidc-dev-key.pem"
    if not key_file.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
    return key_file.read_text()


IDP_OIDC_PRIVATE_KEY = _oidc_private_key()
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = env.int("ACCESS_TOKEN_EXPIRES_IN", default=3600)

# --- Django REST framework: one error format, bearer tokens, JSON only ---
# API bodies nested deeper are refused with a 400 (core/api/parsers.py).
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=64)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.auth.PartnerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.TimebackAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# The app behind an OAuth client: core's token authentication asks rostering through this
# hook, so the bottom layer imports no app.
PARTNER_APP_FOR_CLIENT = "rostering.partners.app_for_client"

# What an administrator may upload in the admin (core/uploads.py), each with its importer;
# a setting because core imports no app. `mapping`: the upload also takes a column mapping.
UPLOAD_KINDS = {
    "oneroster": {
        "label": "OneRoster 1.2 CSV bundle (.zip)",
        "importer": "rostering.uploads.import_bundle",
    },
    "map-growth": {
        "label": "NWEA MAP Growth results (Combined Data File .csv, or Comprehensive Data File .zip)",
        "importer": "outcomes.uploads.import_map_growth",
    },
    "state": {
        "label": "State test results (.csv, with a column mapping)",
        "importer": "outcomes.uploads.import_state_test",
        "mapping": True,
    },
}
# The largest file an upload accepts.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=50 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Timeback API",
    "DESCRIPTION": "OneRoster 1.2 rostering, the Timeback Partner API and more. "
    "Authenticate with an OAuth2 client-credentials token from POST /auth/1.0/token.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# OneRoster collection paging (docs/api.md#collections).
ONEROSTER_DEFAULT_LIMIT = 100
ONEROSTER_MAX_LIMIT = 3000
# CASE 1.1 frameworks (docs/api.md#case-11-competency-frameworks): the largest CFPackage the
# import reads from a file or URL (the CASE API's POST/PUT bodies obey the request body limit
# below), and how long fetching one by URL may take (seconds).
CASE_PACKAGE_MAX_BYTES = env.int("CASE_PACKAGE_MAX_BYTES", default=50 * 1024 * 1024)
CASE_PACKAGE_FETCH_TIMEOUT = env.float("CASE_PACKAGE_FETCH_TIMEOUT", default=30.0)
# Largest request body a client may send (bytes); larger bodies answer 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=5 * 1024 * 1024)

# --- Celery: no broker configured means tasks run synchronously in process (the demo) ---
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_TASK_PUBLISH_RETRY = False
# Celery's Django fixup closes the database connection around every task unless told to
# reuse it; reconnecting cost ~20 % of a worker's throughput (bench/ingest.py).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# On a lost broker connection, stop the running task: its message is redelivered (acks_late)
# and the work is idempotent, so nothing is done twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker reconnects for as long as the broker is away (Celery's default gives up after 100
# attempts, and the worker exits), and with kombu's Redis transport fixed for outages
# (timeback/broker.py: without it, an outage during a late-acknowledged task killed the worker).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
if CELERY_BROKER_URL.split("://", 1)[0] in ("redis", "rediss"):
    CELERY_BROKER_TRANSPORT = "timeback.broker:Transport"
# Publishing must fail fast when Redis is down: the event is already stored and the sweep
# brings it through later, so the client is not kept waiting.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 0,
}
# Daily rollups of changes made outside the Caliper pipeline (gradebook API, logger): by
# default recomputed in the writer's transaction (one statement); true hands them to a
# worker after the commit (needs a broker; pays off when workers have their own CPUs:
# docs/performance.md, logger PUT).
ROLLUPS_AFTER_COMMIT = env.bool("ROLLUPS_AFTER_COMMIT", default=False) and bool(CELERY_BROKER_URL)
# The sweep's period. Beat runs it when deployed; every worker also asks for it this often
# (timeback/celery.py), and the first asking in each period runs it (events.sweep.run_if_due),
# so a dead or missing beat never leaves lost events waiting for a person. 0: workers don't ask.
SWEEP_EVERY_SECONDS = env.int("SWEEP_EVERY_SECONDS", default=60)
CELERY_BEAT_SCHEDULE = {
    "sweep-pending-events": {
        "task": "events.tasks.sweep_pending",
        "schedule": SWEEP_EVERY_SECONDS,
    },
    # The developer page's counts (events per app and day, masteries per lesson) are one
    # row per writing statement until folded (a view folds what it reads; this folds the
    # rest too: analytics.counts).
    "fold-counts": {
        "task": "analytics.tasks.fold_counts",
        "schedule": 3600,
    },
}

# --- Caliper ingestion and the sweep ---
CALIPER_MAX_EVENTS_PER_ENVELOPE = env.int("CALIPER_MAX_EVENTS_PER_ENVELOPE", default=1000)
REJECTED_EVENTS_KEPT_PER_APP = env.int("REJECTED_EVENTS_KEPT_PER_APP", default=1000)
# The bounds an event must keep to be stored and processed (docs/events.md#a-bad-event-costs-
# only-itself); an event beyond one is rejected alone, with its reason.
CALIPER_MAX_ID_LENGTH = env.int("CALIPER_MAX_ID_LENGTH", default=255)
CALIPER_MAX_DEPTH = env.int("CALIPER_MAX_DEPTH", default=32)
CALIPER_MAX_XP_PER_EVENT = env.float("CALIPER_MAX_XP_PER_EVENT", default=1_000)
CALIPER_MAX_SECONDS_PER_ITEM = env.float("CALIPER_MAX_SECONDS_PER_ITEM", default=86_400)
CALIPER_MAX_QUESTIONS = env.float("CALIPER_MAX_QUESTIONS", default=10_000)
CALIPER_MAX_SCORE = env.float("CALIPER_MAX_SCORE", default=1_000_000)
# Days of simulated learning `seed_demo` pushes through ingestion when --days is not given.
DEMO_HISTORY_DAYS = env.int("DEMO_HISTORY_DAYS", default=60)
REJECTED_EVENT_MAX_BYTES = 16 * 1024  # larger rejected events keep their reasons, not their body
SWEEP_MIN_AGE = timedelta(seconds=env.int("SWEEP_MIN_AGE_SECONDS", default=30))
SWEEP_MAX_EVENTS = env.int("SWEEP_MAX_EVENTS", default=100_000)
# `manage.py pipeline_health` calls the pipeline behind once an event has waited this long:
# five sweeps' worth, so a single lost task or a short outage does not page anyone.
PIPELINE_MAX_PENDING_AGE_SECONDS = env.int("PIPELINE_MAX_PENDING_AGE_SECONDS", default=300)
# How many events a worker's task processes at most: its own (an envelope's) and the oldest
# other pending events no other worker holds (events.pipeline.process(claim=...)). A task's
# fixed cost (the batch's reads, lock and rollup statements, the commit) is then shared by
# up to this many events instead of one envelope's, and the tasks of the events it took
# find nothing left to do (docs/decisions.md, "Processing in batches of up to 1,000
# events"). The rollups' recompute is the largest of those costs: a batch of the standard
# mix touches every student's day whatever its size, and each key is derived from all of
# its day's rows, so 4,000 events a batch recompute each key a quarter as often as 1,000
# (CPU per event, worker + PostgreSQL, 262 -> 201 us in process; docs/performance.md). A
# shallow backlog still makes small batches: a task takes only what is pending. A batch
# holds an advisory lock per XP source it touches until it commits (~1,700 for 4,000
# events of the standard mix): lower it where max_locks_per_transaction cannot be raised.
PIPELINE_CLAIM_UP_TO = env.int("PIPELINE_CLAIM_UP_TO", default=4000)
PARKED_RETRY_WINDOW = timedelta(days=env.int("PARKED_RETRY_DAYS", default=30))

# --- Security when not in debug mode ---
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_personal_data": {"()": "timeback.logfilters.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_personal_data"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Diagnosis flags shown to guides and developers (docs/xp-and-mastery.md#diagnosis;
# analytics/diagnosis.py), judged over the last DIAGNOSIS_WINDOW_DAYS days.
DIAGNOSIS_WINDOW_DAYS = env.int("DIAGNOSIS_WINDOW_DAYS", default=7)
DIAGNOSIS_LOW_EFFORT_MINUTES_PER_DAY = env.float("DIAGNOSIS_LOW_EFFORT_MINUTES_PER_DAY", default=10)
DIAGNOSIS_LOW_EFFORT_WASTE_PERCENT = env.float("DIAGNOSIS_LOW_EFFORT_WASTE_PERCENT", default=30)
DIAGNOSIS_TOO_HARD_ACCURACY = env.float("DIAGNOSIS_TOO_HARD_ACCURACY", default=70)
DIAGNOSIS_TOO_EASY_ACCURACY = env.float("DIAGNOSIS_TOO_EASY_ACCURACY", default=95)
DIAGNOSIS_TOO_EASY_MINUTES_PER_DAY = env.float("DIAGNOSIS_TOO_EASY_MINUTES_PER_DAY", default=15)
DIAGNOSIS_MIN_ITEMS = env.int("DIAGNOSIS_MIN_ITEMS", default=10)

# The closed loop (docs/closed-loop.md). A standardized test's subject (MAP's "Mathematics")
# matches the courses whose subjects include one of its names, compared without case. A
# course subject may serve two test subjects ("ELA": Reading and Language Usage).
STANDARDIZED_SUBJECTS = {
    "Mathematics": ["Math", "Mathematics"],
    "Reading": ["Reading", "ELA", "English Language Arts"],
    "Language Usage": ["Language", "Language Usage", "ELA"],
    "Science": ["Science"],
}
# A test on which more than this percent of answers were rapid guesses leaves the student's
# pair (both tests) out of the outcomes, counted in excluded.rapidGuessing.
OUTCOMES_RAPID_GUESSING_PERCENT = env.float("OUTCOMES_RAPID_GUESSING_PERCENT", default=30)

# Time back (docs/xp-and-mastery.md#daily-goals-streaks-and-time-back): each goal-met school
# day gives back the hours of a traditional school day beyond the learning time.
TIME_BACK_SCHOOL_DAY_HOURS = env.float("TIME_BACK_SCHOOL_DAY_HOURS", default=7)
TIME_BACK_LEARNING_HOURS = env.float("TIME_BACK_LEARNING_HOURS", default=2)

# --- Hole filling (docs/hole-filling.md) ---
# A standard scored below this percent on a mastery test is missed and opens (or renews) the
# student's remediation plan; at or above it, it is mastered.
REMEDIATION_THRESHOLD = env.float("REMEDIATION_THRESHOLD", default=90.0)
# How many `precedes` steps back from a missed standard its unmastered prerequisites are
# looked for (and as deep down `isChildOf` for its children).
REMEDIATION_MAX_DEPTH = env.int("REMEDIATION_MAX_DEPTH", default=3)
# What `GET /insights/1.0/users/{id}` adds from the apps above analytics: functions of the
# student answering {key: value} merged into the insights (analytics never imports them).
INSIGHTS_SECTIONS = ["remediation.selectors.open_plan_for_insights"]
