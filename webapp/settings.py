"""ToxiLab settings: every value comes from an environment variable (see .env.example).

The defaults make a fresh checkout run (`make run`) safely: DEBUG off (DEBUG=1 for development), a
random SECRET_KEY kept in var/secret_key, SQLite in db.sqlite3, an embedded Redis that the launcher
starts. A malformed value stops start-up with a message naming the variable.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ml.config import DEFAULT_DATASET, DEFAULT_TEACHER
from ml.names import BIAS_SAMPLE_SIZE
from ml.presets import PRESETS
from webapp import queue

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def env_int(name, default, minimum=0, maximum=None):
    return _env_number(name, default, int, "an integer", minimum, maximum)


def env_float(name, default, minimum=0.0, maximum=None):
    return _env_number(name, default, float, "a number", minimum, maximum)


def _env_number(name, default, parse, kind, minimum, maximum):
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = parse(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {kind}; got {value!r}") from None
    if not (minimum <= number and (maximum is None or number <= maximum)):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise ImproperlyConfigured(f"{name} must be {bounds}; got {number}")
    return number


def env_choice(name, default, choices):
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def env_list(name, default):
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_rate(name, default):
    """'60/m' -> (60, 60): at most 60 requests a minute. 'off' -> None (no limit)."""
    value = os.environ.get(name, default).strip()
    if value.lower() == "off":
        return None
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in _PERIODS:
        raise ImproperlyConfigured(f"{name} must look like 60/m (per s, m, h or d) or be 'off'; got {value!r}")
    return int(count), _PERIODS[period]


def redis_urls(url):
    """REDIS_URL in the forms each client wants: redis-py and channels_redis take redis:// and
    unix:// as they are; Celery (kombu) spells a Unix socket redis+socket://."""
    if url.startswith(("redis://", "rediss://")):
        return {"redis": url, "celery": url}
    if url.startswith("unix://"):
        return {"redis": url, "celery": "redis+socket://" + url.removeprefix("unix://")}
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://; got {url!r}")


def stored_secret_key(path):
    """The key in `path`, made on first use: 50 random characters, readable by this user only. Written
    aside and linked into place, so two processes starting at once end up with the same key."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable SECRET_KEY; delete it to make a new one")
    return key


VAR_DIR = BASE_DIR / "var"  # runtime files, git-ignored
DEBUG = env_bool("DEBUG", False)  # development only: tracebacks and the URL list to anyone
# Unset, a random key is made on first start and kept (mode 0600): set it to the same value on every
# machine that runs ToxiLab (web and workers), since sessions and tokens are signed with it.
SECRET_KEY = os.environ.get("SECRET_KEY") or stored_secret_key(
    os.environ.get("TOXILAB_SECRET_KEY_FILE", VAR_DIR / "secret_key")
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Served over HTTPS by a TLS proxy in front (docker-compose turns it on): redirect, secure cookies,
# HSTS. Off by default, since ToxiLab's own server (`make run`) speaks plain HTTP.
TOXILAB_HTTPS = env_bool("TOXILAB_HTTPS", False)
# Behind a reverse proxy that sets X-Forwarded-Proto: trust it to say whether the client used HTTPS.
TOXILAB_BEHIND_PROXY = env_bool("TOXILAB_BEHIND_PROXY", False)
# How many proxies in front of the server append to X-Forwarded-For: the client address that rate
# limits and login throttling count is that many entries from the header's right (0: the header is
# ignored and the TCP peer is the client). A client can write anything to the left of what they append.
TOXILAB_PROXY_HOPS = env_int("TOXILAB_PROXY_HOPS", 0)
if TOXILAB_HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
    # Container healthchecks ask http://localhost:8000/healthz from inside, with no proxy in front.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if TOXILAB_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs page with its own bundled Swagger UI, not a CDN
    "axes",  # login throttling
    "webapp.accounts",
    "webapp.checker",
    "webapp.review",
    "webapp.training",
    "webapp.studies",
    "webapp.monitoring",
    "worker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "webapp.middleware.json_api_errors",
    "axes.middleware.AxesMiddleware",  # answers a locked-out login with the page below
    "csp.middleware.CSPMiddleware",
]
# Content-Security-Policy (django-csp): pages load scripts, styles, images and connections from this
# site only, with no inline script or style attribute (static/js holds every script), and no framing.
# WebSockets to the same host and port are 'self' too.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "webapp.urls"
ASGI_APPLICATION = "webapp.asgi.application"
# Threads that serve HTTP requests in each web-server process (webapp/handler.py): the most requests
# handled at once, and the most database connections the process holds. A batch of checks gathers
# at most one request per thread, so keep it at least BATCH_MAX_SIZE.
WEB_THREADS = env_int("TOXILAB_WEB_THREADS", 32, minimum=1)
# "pooled" (default): webapp/handler.py's fixed thread pool; "django": Django's own ASGI handler (a
# thread and a fresh database connection per request), kept to measure the pool against and to fall back on.
WEB_HANDLER = os.environ.get("TOXILAB_WEB_HANDLER", "pooled")
if WEB_HANDLER not in ("pooled", "django"):
    raise ImproperlyConfigured(f"TOXILAB_WEB_HANDLER must be pooled or django; got {WEB_HANDLER!r}")
# Dynamic batching of checks (webapp/checker/batching.py): checks that arrive while the model is busy
# share its next forward pass, of at most BATCH_MAX_SIZE texts (1 turns batching off: one request
# per pass, as before). Under load a batch may wait up to BATCH_MAX_WAIT_MS for more requests; a
# check on an idle server never waits.
BATCH_MAX_SIZE = env_int("TOXILAB_BATCH_MAX_SIZE", 32, minimum=1)
BATCH_MAX_WAIT_MS = env_int("TOXILAB_BATCH_MAX_WAIT_MS", 0, minimum=0)
# Choose each registered model's CPU runtime by measuring its test F1 (webapp/checker/runtime_choice.py);
# off: every model is served by PyTorch fp32. WARM_MODEL: load and run the active model at server start.
RUNTIME_CHOICE = env_bool("TOXILAB_RUNTIME_CHOICE", True)
# A promotion or rollback loads the version's model first and refuses it if it cannot load
# (webapp/checker/gate.py); off only for tests of versions that have no files.
TOXILAB_PROMOTE_LOAD_CHECK = env_bool("TOXILAB_PROMOTE_LOAD_CHECK", True)
WARM_MODEL = env_bool("TOXILAB_WARM_MODEL", True)

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
                "webapp.training.starter.context",  # the checker's "first model is training" notice
                "webapp.monitoring.alerts.context",  # crossed monitoring limits, in the staff header
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        # Each web-server thread (WEB_THREADS) and worker keeps its connection this long, checked
        # before reuse (webapp/handler.py: what a connection per request cost).
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker read while one of them writes, and with synchronous=NORMAL
    # a commit costs no fsync (docs/BENCHMARKS.md has the figure); a power cut may lose the
    # last commits but never corrupts the file. IMMEDIATE transactions avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if os.environ.get("TEST_DATABASE_NAME"):
    # Several engineers share one PostgreSQL: each suite gets its own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    _redis = redis_urls(REDIS_URL)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis["redis"],
            "KEY_PREFIX": "toxilab",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, which cuts the layer's 5 s
            # blocking pop (BZPOPMIN) and drops every idle WebSocket (django/channels_redis#422);
            # and it caps a pool at 100 connections, which a few hundred dashboard viewers
            # connecting at once exceed (each handshake then fails with "Too many connections").
            "CONFIG": {
                "hosts": [
                    {
                        "address": _redis["redis"],
                        "socket_timeout": 30,
                        "socket_connect_timeout": 2,
                        "max_connections": 1000,
                    }
                ],
                "prefix": "toxilab",
            },
        }
    }
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = _redis["celery"]
else:
    # No Redis (manage.py runserver on a bare checkout): one process, nothing shared.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"

# A full batch (64 texts of 5,000 characters) may take 3.9 MB as JSON with \u-escaped emoji.
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

TOXILAB_TRAIN_TIME_LIMIT = env_int("TOXILAB_TRAIN_TIME_LIMIT", 6 * 3600, minimum=120)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True  # a worker that dies mid-task leaves it queued for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # one long training job at a time, none held back
CELERY_TASK_DEFAULT_QUEUE = "celery"
# The queue that training workers consume (`-Q training`); tests give each run its own.
TOXILAB_TRAINING_QUEUE = os.environ.get("TOXILAB_TRAINING_QUEUE", "training")
CELERY_TASK_ROUTES = {task: {"queue": TOXILAB_TRAINING_QUEUE} for task in queue.TASKS}
# How often the worker judges the monitoring alerts (webapp/monitoring/alerts.py), and so how long the
# monitoring figures read from comments' text are kept (webapp/monitoring/figures.py text_drift).
MONITOR_REFRESH_S = 300
# Periodic tasks, sent by celery beat (`make run` starts it beside the worker; compose's beat service).
CELERY_BEAT_SCHEDULE = {
    "forget-old-texts": {"task": queue.FORGET_OLD_TEXTS, "schedule": 24 * 3600.0},
    "check-alerts": {"task": queue.CHECK_ALERTS, "schedule": float(MONITOR_REFRESH_S)},
}
CELERY_TASK_TIME_LIMIT = TOXILAB_TRAIN_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = TOXILAB_TRAIN_TIME_LIMIT - 60  # time to mark the job failed
# Redis redelivers an unacknowledged task after this; it must outlast the longest task (acks_late).
# A broker that does not answer costs a launch at most 2 s per try (queue.SEND_RETRY_POLICY).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TOXILAB_TRAIN_TIME_LIMIT + 600, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Training jobs: a running job's worker beats its heartbeat every TOXILAB_JOB_HEARTBEAT_S; after
# TOXILAB_JOB_STALE_AFTER_S of silence the job is presumed lost and restarted while it has attempts
# left (TOXILAB_JOB_MAX_ATTEMPTS in all), failed after. Progress is written and streamed in batches
# every TOXILAB_PROGRESS_FLUSH_MS; a cancel request is noticed within TOXILAB_JOB_POLL_MS.
TOXILAB_JOB_HEARTBEAT_S = env_int("TOXILAB_JOB_HEARTBEAT_S", 10, minimum=1)
TOXILAB_JOB_STALE_AFTER_S = env_int("TOXILAB_JOB_STALE_AFTER_S", 120, minimum=2)
if TOXILAB_JOB_STALE_AFTER_S < 2 * TOXILAB_JOB_HEARTBEAT_S:
    raise ImproperlyConfigured("TOXILAB_JOB_STALE_AFTER_S must be at least twice TOXILAB_JOB_HEARTBEAT_S")
TOXILAB_JOB_MAX_ATTEMPTS = env_int("TOXILAB_JOB_MAX_ATTEMPTS", 2, minimum=1)
TOXILAB_PROGRESS_FLUSH_MS = env_int("TOXILAB_PROGRESS_FLUSH_MS", 250, minimum=10)
TOXILAB_JOB_POLL_MS = env_int("TOXILAB_JOB_POLL_MS", 500, minimum=10)
TOXILAB_JOBS_PER_PAGE = 20
# Quotas: one study request makes at most TOXILAB_STUDY_MAX_JOBS jobs (methods x seeds x values), and
# a staff user has at most TOXILAB_MAX_QUEUED_JOBS jobs waiting or queued (0: no limit); the server's
# own jobs (the starter's) do not count.
TOXILAB_STUDY_MAX_JOBS = env_int("TOXILAB_STUDY_MAX_JOBS", 60, minimum=1)
TOXILAB_MAX_QUEUED_JOBS = env_int("TOXILAB_MAX_QUEUED_JOBS", 20, minimum=0) or None

# Login throttling (django-axes): after TOXILAB_LOGIN_FAILURE_LIMIT wrong passwords from one client
# address (webapp/client.py), or for one username from any addresses, every login from that address or
# to that username is refused, the right password too, for TOXILAB_LOGIN_COOLOFF_MIN minutes; a
# successful login before that clears its own user's failures only (webapp/accounts/throttling.py).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("TOXILAB_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("TOXILAB_LOGIN_COOLOFF_MIN", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # each counted apart
AXES_CLIENT_IP_CALLABLE = "webapp.client.client_address"
AXES_RESET_ON_SUCCESS = False  # axes' reset would clear every failure from the address too
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on stderr at every start: management commands' output stays theirs

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# What a job trains from when the launch form or the API names no teacher or dataset (ml's defaults).
TOXILAB_TEACHER = os.environ.get("TOXILAB_TEACHER", DEFAULT_TEACHER)
TOXILAB_ARTIFACTS_DIR = Path(os.environ.get("TOXILAB_ARTIFACTS_DIR", VAR_DIR / "artifacts"))
# A dataset or extra train file named by a server path (launch form, API) must lie in one of these
# directories; any other path is refused before it is read. Default: data/ in the checkout, the
# ../shared/data beside it, and TOXILAB_DATA_DIR (the sample data that tests and benchmarks use) if set.
_DATA_ROOTS = [BASE_DIR / "data", BASE_DIR.parent / "shared" / "data", os.environ.get("TOXILAB_DATA_DIR", "")]
TOXILAB_DATA_ROOTS = [
    Path(root).expanduser()
    for root in env_list("TOXILAB_DATA_ROOTS", ",".join(str(root) for root in _DATA_ROOTS if root))
]
# The default dataset is one this server can read: a copy of wiki_toxic (train.csv ...) in a data
# root, or the root itself, if there is one; else the hub id (which needs the network or the cache).
TOXILAB_DATASET = os.environ.get("TOXILAB_DATASET") or next(
    (str(d) for root in TOXILAB_DATA_ROOTS for d in (root / "wiki_toxic", root) if (d / "train.csv").is_file()),
    DEFAULT_DATASET,
)
# The starter (webapp/training/starter.py): on a database with no model, the first start trains a
# baseline on TOXILAB_STARTER_BASELINE_SAMPLES rows and serves it, then the runs of the ml preset
# TOXILAB_STARTER_PRESET (ml/presets.py): "full-data", the full-split baseline, the teacher and an odd
# student on the whole training split (under an hour on 2 cores); "quick", a teacher and a student on
# 2,000 comments (minutes, for small machines); "none", the first baseline alone. Each replaces the
# serving model only if it is better on the gate's comments. Once per database; TOXILAB_STARTER=0: off.
TOXILAB_STARTER = env_bool("TOXILAB_STARTER", True)
TOXILAB_STARTER_BASELINE_SAMPLES = env_int("TOXILAB_STARTER_BASELINE_SAMPLES", 20000, minimum=10)
TOXILAB_STARTER_PRESET = env_choice("TOXILAB_STARTER_PRESET", "full-data", (*PRESETS, "none"))
# The quality gate on promotion (webapp/checker/gate.py), on the same TOXILAB_GATE_TEST_COMMENTS test
# comments of TOXILAB_GATE_DATASET (default: TOXILAB_DATASET) for every version; README "Promoting a model"
# says why: MIN_F1 0.5 is above the 0.39 of a model calling every wiki_toxic comment toxic (24% are);
# MAX_DROP 2 points is above the ~1.4-point standard error of one F1 on 2,000 comments.
TOXILAB_PROMOTE_MIN_F1 = env_float("TOXILAB_PROMOTE_MIN_F1", 0.5, maximum=1.0)
TOXILAB_PROMOTE_MAX_DROP = env_float("TOXILAB_PROMOTE_MAX_DROP", 2.0, maximum=100.0)
# The gate's identity-bias rule (issue 24), on the same identity-template sentences for both versions
# (TOXILAB_IDENTITY_TEMPLATES, ml/bias.py): points of the final bias metric a candidate may lose, and
# points its worst term's false positive rate may rise; docs/RESULTS.md "Identity bias" says why.
TOXILAB_PROMOTE_MAX_BIAS_DROP = env_float("TOXILAB_PROMOTE_MAX_BIAS_DROP", 5.0, maximum=100.0)
# Templates each version (the gate) and each run (ml.bias.run_sample_size, the same variable) is scored on.
TOXILAB_BIAS_SENTENCES = env_int("TOXILAB_BIAS_SENTENCES", BIAS_SAMPLE_SIZE, minimum=100)
TOXILAB_PROMOTE_MAX_FPR_RISE = env_float("TOXILAB_PROMOTE_MAX_FPR_RISE", 10.0, maximum=100.0)
TOXILAB_GATE_DATASET = os.environ.get("TOXILAB_GATE_DATASET", TOXILAB_DATASET)
TOXILAB_GATE_TEST_COMMENTS = env_int("TOXILAB_GATE_TEST_COMMENTS", 2000, minimum=10)
# An explanation's variants per forward pass (webapp/checker/classify.py): the checks queued meanwhile
# run between its passes, so smaller passes let them in sooner (docs/BENCHMARKS.md, issue 23).
TOXILAB_EXPLAIN_PASS_SIZE = env_int("TOXILAB_EXPLAIN_PASS_SIZE", 4, minimum=1)
# A model page's words that push to toxic (webapp/checker/toxic_words.py): the worker explains at most
# this many of the gate's comments that the version calls toxic (docs/BENCHMARKS.md gives the time).
TOXILAB_WORDS_COMMENTS = env_int("TOXILAB_WORDS_COMMENTS", 300, minimum=1)
# Monitoring (webapp/monitoring/): the window the page opens on and the alerts read, and the alerts'
# limits: the share called toxic moving by this many points against the window before, flags per
# thousand checks, and the score drift's PSI (0.25: the usual "shifted" mark, webapp/monitoring/figures.py).
TOXILAB_MONITOR_DAYS = env_int("TOXILAB_MONITOR_DAYS", 7, minimum=1)
TOXILAB_ALERT_TOXIC_SHARE_CHANGE = env_float("TOXILAB_ALERT_TOXIC_SHARE_CHANGE", 10.0, maximum=100.0)
TOXILAB_ALERT_FLAGS_PER_1000 = env_float("TOXILAB_ALERT_FLAGS_PER_1000", 20.0, maximum=1000.0)
TOXILAB_ALERT_DRIFT_PSI = env_float("TOXILAB_ALERT_DRIFT_PSI", 0.25, maximum=100.0)
# Stored comments: the text of a check older than this many days is removed by a daily task
# (webapp/checker/retention.py; 0 keeps texts forever). 90 days: the monitoring page's longest window
# and a review backlog fit in it, while other people's words are not kept longer than the checks need.
# Reviewed and flagged checks keep their text (they are training data) until staff delete them.
TOXILAB_PREDICTION_RETENTION_DAYS = env_int("TOXILAB_PREDICTION_RETENTION_DAYS", 90, minimum=0)
# 0: a check's text is never stored, only its keyed hash (SECRET_KEY's HMAC-SHA256, which groups identical
# texts); verdict, probability and model are stored as always. For sites that may not keep comments.
TOXILAB_STORE_TEXT = env_bool("TOXILAB_STORE_TEXT", True)
# Shadow mode (webapp/checker/shadow.py): a version in shadow stops by itself after this many judged
# checks or days (an owner may choose fewer or more when starting it); each web process holds at most
# TOXILAB_SHADOW_QUEUE checks waiting for it, and lets the oldest go unjudged (counted) when more arrive.
TOXILAB_SHADOW_MAX_CHECKS = env_int("TOXILAB_SHADOW_MAX_CHECKS", 10_000, minimum=1)
TOXILAB_SHADOW_DAYS = env_int("TOXILAB_SHADOW_DAYS", 7, minimum=1)
TOXILAB_SHADOW_QUEUE = env_int("TOXILAB_SHADOW_QUEUE", 1000, minimum=1)
# Checks (page and API together) per client address; 'off' disables the limit.
TOXILAB_RATE_LIMIT = env_rate("TOXILAB_RATE_LIMIT", "60/m")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["webapp.formats"]  # ISO dates everywhere (webapp/formats/en/formats.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "webapp.log_filters.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["refusals"]}},  # a 403 in one line, no traceback
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
