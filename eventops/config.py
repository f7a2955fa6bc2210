"""Configuration read from ``EVENTOPS_*`` environment variables.

Every setting a deployment may change is listed in the README's configuration table.
"""
import os
import secrets
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: an installed package (a wheel) carries templates/, static/, badges/ and migrations/ inside it, in
#: share/ (setup.py puts them there at build time); a checkout has them beside the package
INSTALLED = (PACKAGE / "share").is_dir()
RESOURCES = PACKAGE / "share" if INSTALLED else PACKAGE.parent
TEMPLATES = RESOURCES / "templates"
STATIC = RESOURCES / "static"
BADGES = RESOURCES / "badges"
MIGRATIONS = RESOURCES / "migrations"
TRANSLATIONS = PACKAGE / "translations"


def _instance_path() -> Path:
    """Where the development SQLite database and secret key live: EVENTOPS_INSTANCE_PATH; else
    instance/ in a checkout, or instance/ in the working directory of an installed package (never
    inside site-packages)."""
    configured = os.environ.get("EVENTOPS_INSTANCE_PATH")
    if configured:
        return Path(configured).expanduser().resolve()
    return (Path.cwd() if INSTALLED else PACKAGE.parent) / "instance"


INSTANCE = _instance_path()


def _bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds_list(value: str) -> tuple[float, ...]:
    return tuple(float(v) for v in value.replace(" ", "").split(",") if v)


def _secret_key():
    key = os.environ.get("EVENTOPS_SECRET_KEY")
    if key:
        return key
    # Development fallback: one random key kept in instance/ so that every worker of a local
    # installation shares it. Production sets EVENTOPS_SECRET_KEY (see README).
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _engine_options(url: str) -> dict:
    """SQLAlchemy's pool for one worker process. Every gunicorn worker holds up to
    EVENTOPS_DB_POOL_SIZE + EVENTOPS_DB_MAX_OVERFLOW connections: machines x workers x that sum,
    plus the connections of migrations and psql, must stay below PostgreSQL's max_connections (or
    PgBouncer's pool, see the README)."""
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        return options
    connect_args = {"connect_timeout": int(os.environ.get("EVENTOPS_DB_CONNECT_TIMEOUT", "5"))}
    options.update(pool_size=int(os.environ.get("EVENTOPS_DB_POOL_SIZE", "2")),
                   max_overflow=int(os.environ.get("EVENTOPS_DB_MAX_OVERFLOW", "3")),
                   pool_timeout=int(os.environ.get("EVENTOPS_DB_POOL_TIMEOUT", "10")),
                   pool_recycle=1800, connect_args=connect_args)
    if _bool("EVENTOPS_DB_PGBOUNCER", False):
        # PgBouncer in transaction mode hands each transaction to any server connection: no
        # server-side prepared statements
        connect_args["prepare_threshold"] = None
    return options


class Config:
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "EVENTOPS_DATABASE_URL", f"sqlite:///{INSTANCE / 'eventops.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = _engine_options(SQLALCHEMY_DATABASE_URI)
    SECRET_KEY = None  # filled in by create_app so that importing config has no side effect
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("EVENTOPS_SECURE_COOKIES", True)
    #: Strict-Transport-Security max-age in seconds, sent when cookies are secure (0: none)
    HSTS_MAX_AGE = int(os.environ.get("EVENTOPS_HSTS_MAX_AGE", str(365 * 24 * 3600)))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("EVENTOPS_SECURE_COOKIES", True)
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    MAX_CONTENT_LENGTH = int(os.environ.get("EVENTOPS_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(TRANSLATIONS)
    LANGUAGES = ("zh", "en")
    REDIS_URL = os.environ.get("EVENTOPS_REDIS_URL")
    #: Redis when it answers, each process's memory when it does not (core.ratelimit)
    #: Redis with a fallback to each process's memory when it does not answer (core/ratelimit.py)
    RATELIMIT_STORAGE_URI = ("fallback+" + os.environ["EVENTOPS_REDIS_URL"]) if os.environ.get("EVENTOPS_REDIS_URL") \
        else "memory://"
    RATELIMIT_ENABLED = _bool("EVENTOPS_RATELIMIT", True)
    RATELIMIT_HEADERS_ENABLED = True
    #: failed sign-ins per account and address (or known device); see accounts/views.py
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("EVENTOPS_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes")
    #: failed scans (invalid, another event's badge) per scanner before its failed answers are slowed
    #: failed sign-ins per account from all addresses together, devices it never signed in on
    LOGIN_LIMIT_PER_ACCOUNT_CEILING = os.environ.get("EVENTOPS_LOGIN_LIMIT_ACCOUNT_CEILING", "20 per hour")
    FAILED_SCAN_LIMIT = os.environ.get("EVENTOPS_FAILED_SCAN_LIMIT", "30 per minute")
    #: the secret that keys the ledger's HMAC chain and checkpoints; kept outside the database
    LEDGER_KEY = os.environ.get("EVENTOPS_LEDGER_KEY")
    #: seconds a failed answer is held back once a scanner is over its limit (valid badges never wait)
    FAILED_SCAN_DELAY = float(os.environ.get("EVENTOPS_FAILED_SCAN_DELAY", "2"))
    #: a scan sent late (queued offline) is recorded at the moment it was scanned, if within these hours
    CHECKIN_LATE_HOURS = int(os.environ.get("EVENTOPS_CHECKIN_LATE_HOURS", "12"))
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("EVENTOPS_LOGIN_LIMIT_ADDRESS", "30 per 15 minutes")
    SMTP_HOST = os.environ.get("EVENTOPS_SMTP_HOST")
    SMTP_PORT = int(os.environ.get("EVENTOPS_SMTP_PORT", "587"))
    SMTP_USER = os.environ.get("EVENTOPS_SMTP_USER")
    SMTP_PASSWORD = os.environ.get("EVENTOPS_SMTP_PASSWORD")
    SMTP_STARTTLS = _bool("EVENTOPS_SMTP_STARTTLS", True)
    MAIL_FROM = os.environ.get("EVENTOPS_MAIL_FROM", "EventOps <noreply@eventops.local>")
    #: seconds the worker waits for the SMTP server before an attempt counts as failed
    SMTP_TIMEOUT = float(os.environ.get("EVENTOPS_SMTP_TIMEOUT", "30"))
    #: waits between delivery attempts (seconds); after the last one a mail is marked failed
    MAIL_RETRY_DELAYS = _seconds_list(os.environ.get("EVENTOPS_MAIL_RETRY_DELAYS", "60,300,1800,7200"))
    #: the job queue (Celery): Redis in production; without Redis a SQLite file beside the
    #: instance (kombu's SQLAlchemy transport), so that one machine needs no other server
    CELERY_BROKER_URL = os.environ.get("EVENTOPS_CELERY_BROKER_URL") or os.environ.get("EVENTOPS_REDIS_URL") \
        or f"sqla+sqlite:///{INSTANCE / 'queue.sqlite3'}"
    CELERY_RESULT_BACKEND = os.environ.get("EVENTOPS_CELERY_RESULT_BACKEND") or os.environ.get("EVENTOPS_REDIS_URL") \
        or f"db+sqlite:///{INSTANCE / 'queue.sqlite3'}"
    #: run tasks in the calling process instead of sending them (tests only)
    CELERY_EAGER = False
    #: where job files (badge PDFs, press PDFs) are kept: "database", or a directory every
    #: machine can read (a shared mount)
    JOB_FILES = os.environ.get("EVENTOPS_JOB_FILES", "database")
    #: days a job's file can be downloaded
    JOB_FILES_DAYS = float(os.environ.get("EVENTOPS_JOB_FILES_DAYS", "7"))
    #: a running job whose worker has not been heard of for this long is taken over or failed
    JOB_LEASE_SECONDS = float(os.environ.get("EVENTOPS_JOB_LEASE_SECONDS", "60"))
    #: /healthz reports the workers' check failed (degraded) when a job has waited this long
    JOB_WAIT_ALERT_SECONDS = float(os.environ.get("EVENTOPS_JOB_WAIT_ALERT_SECONDS", "300"))
    #: how many times a job is started before it is marked failed
    JOB_MAX_ATTEMPTS = int(os.environ.get("EVENTOPS_JOB_MAX_ATTEMPTS", "3"))
    #: absolute base for links written into mails; the request's host is used when unset
    BASE_URL = os.environ.get("EVENTOPS_BASE_URL")
    #: how many proxies (nginx...) stand in front and set X-Forwarded-*; 0 when none
    PROXY_COUNT = int(os.environ.get("EVENTOPS_PROXY_COUNT", "0"))
    PAGE_SIZE = 50
    TESTING = False

    @classmethod
    def secret_key(cls):
        return _secret_key()


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("EVENTOPS_TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_size": 30, "max_overflow": 30}
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SMTP_HOST = None
    BASE_URL = "http://localhost"
    LEDGER_KEY = "test-ledger-key"
    REDIS_URL = None
    CELERY_EAGER = True
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    JOB_FILES = "database"
