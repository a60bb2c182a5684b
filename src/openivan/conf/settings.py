"""Django settings, all from the environment (django-environ).

DATABASE_URL   sqlite:///path or postgres://user:pass@host:port/db (default: embedded SQLite)
OPENIVAN_ROLES agency,provider (which roles this process serves)
OPENIVAN_HOME  folder for the embedded database and local files (default: ./var)
SECRET_KEY     required unless DEBUG
EMAIL_URL      smtp://user:pass@host:port (smtp+tls://, smtps://), default smtp://localhost:25
SMS_URL        smpp://system_id:password@host:port?source=BHXH (smpps://), default localhost:2775
OPENIVAN_DATA_KEY  key for secrets at rest (default: derived from SECRET_KEY)
SECRET_KEY_FALLBACKS, OPENIVAN_DATA_KEY_FALLBACKS  keys replaced by a rotation, still accepted
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import environ

from openivan.core.sms.config import parse_sms_url


class _Env(environ.Env):
    """A value that does not parse names its variable: `openivan manage …` then prints
    "OPENIVAN_WEB_CPU_SLOTS: invalid literal for int() …" instead of a bare ValueError."""

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
                  parse_default: bool = False) -> Any:
        try:
            return super().get_value(var, cast, default, parse_default)
        except ValueError as exc:
            raise environ.ImproperlyConfigured(f"{var}: {exc}") from exc


env = _Env()
HOME = Path(env.str("OPENIVAN_HOME", default=str(Path.cwd() / "var")))
HOME.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or "pytest" in sys.modules):
        raise environ.ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a local demo).")
    SECRET_KEY = "insecure-development-key-never-in-production"
# A rotated key stays here until what it signed or sealed has expired (`openivan manage
# reseal` says when); Django checks sessions and tokens against these as well.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

ROLES = tuple(r.strip() for r in env.list("OPENIVAN_ROLES", default=["agency", "provider"]))
_KNOWN_ROLES = {"agency", "provider"}
if not ROLES or set(ROLES) - _KNOWN_ROLES:
    raise environ.ImproperlyConfigured(
        f"OPENIVAN_ROLES must name roles among {sorted(_KNOWN_ROLES)}, got {ROLES}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Listed so the API's documentation page takes Swagger UI from our own static files, not
    # from a public CDN (ninja's fallback): nothing of the agency's pages loads from elsewhere.
    "ninja",
    "openivan.platform",
    "openivan.notify",
    "openivan.accounts",
    *(f"openivan.{role}" for role in ROLES),
    # The individuals' portal and reception desk (seed 004) are the agency's.
    *(["openivan.portal"] if "agency" in ROLES else []),
]
# The demo's SMTP catcher writes here; the mailbox page reads it (demo only).
OPENIVAN_DEMO_MAILBOX = env.str("OPENIVAN_DEMO_MAILBOX", default="")
if OPENIVAN_DEMO_MAILBOX:
    INSTALLED_APPS.append("openivan.demo")

MIDDLEWARE = [
    "openivan.platform.cpu_slots.CpuSlotMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's, the API documentation's) from any web process, DEBUG or not:
    # `openivan manage serve` collects them at start. Before the session: they need none.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "openivan.accounts.middleware.SessionLifetimeMiddleware",
    "openivan.accounts.middleware.SecondFactorMiddleware",
    "openivan.accounts.middleware.OneTimePasswordMiddleware",
    "openivan.accounts.middleware.KnownDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "openivan.platform.middleware.ContentSecurityPolicyMiddleware",
    "openivan.platform.middleware.ApiMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "openivan.conf.urls"
WSGI_APPLICATION = "openivan.conf.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.template.context_processors.i18n",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
        "openivan.accounts.context.password_reminder",
    ]},
}]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{HOME / 'openivan.sqlite3'}")}
# Keep connections between requests (a new PostgreSQL connection costs more than a dossier's
# statements); checked before reuse, so a restarted server is no error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web process share the file: WAL lets readers run beside one writer,
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
    # Tests use a file, not shared-cache memory: threads then wait on locks like processes do
    # ("database table is locked" is what shared-cache memory answers instead).
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"openivan-test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameters let psycopg prepare the statements a connection repeats (the
    # intake's inserts): about 1 ms less web CPU and 0.3 ms less PostgreSQL CPU per dossier
    # (A/B of the intake in one process, 400 dossiers each).
    DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Only for the one-time passwords the agency issues (machine-made, ~56 bits): see the module.
    "openivan.accounts.hashers.OneTimePasswordHasher",
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parents[1] / "platform" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where `serve` collects the static files (once per change: platform.static_files); servers of
# one host running the same release may share it.
STATIC_ROOT = Path(env.str("OPENIVAN_STATIC_ROOT", default=str(HOME / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # A gzip copy beside each file, sent to browsers that ask for it. Not the
    # manifest storage: its {% static %} fails until collectstatic ran, also in tests.
    # whitenoise's, compressing only the files a collection wrote (platform.static_files).
    "staticfiles": {"BACKEND": "openivan.platform.static_files.CompressedOnceStorage"},
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "openivan.platform.views.csrf_failure"  # Vietnamese, says what to do
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Scripts, styles, images, fonts and form targets from the platform only; inline styles are
# allowed (the pages' own <style>, Swagger UI's), inline scripts are not. Empty: no header.
OPENIVAN_CONTENT_SECURITY_POLICY = env.str("OPENIVAN_CONTENT_SECURITY_POLICY", default=(
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"))

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "openivan.platform.logs.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["secrets"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# ------------------------------------------------------------------ agency
OPENIVAN_AGENCY_CODE = env.str("OPENIVAN_AGENCY_CODE", default="BHXH")  # prefix of Số hồ sơ
OPENIVAN_AGENCY_NAME = env.str("OPENIVAN_AGENCY_NAME", default="Bảo hiểm xã hội Việt Nam")
OPENIVAN_TRUST_STORE = env.str("OPENIVAN_TRUST_STORE", default=str(HOME / "trust"))
OPENIVAN_REVOCATION = env.str("OPENIVAN_REVOCATION", default="hard")  # require | hard | soft | off
# How long one certificate's OCSP "good" is reused (never past the answer's nextUpdate): a
# revocation can go unseen that long. 0 asks the responder at every check.
OPENIVAN_OCSP_CACHE_SECONDS = env.int("OPENIVAN_OCSP_CACHE_SECONDS", default=24 * 3600)
# How many certificates' OCSP answers a process keeps (about 1.7 KB each); past it the
# oldest go, and their certificates are asked again at their next check.
OPENIVAN_OCSP_CACHE_ENTRIES = env.int("OPENIVAN_OCSP_CACHE_ENTRIES", default=20_000)
# Requests of one web process that compute at once (conf/cpu_slots.py); its other threads
# wait, for a slot or on the network (a CA's OCSP responder). 0: as many as threads.
OPENIVAN_WEB_CPU_SLOTS = env.int("OPENIVAN_WEB_CPU_SLOTS", default=2)
OPENIVAN_ALLOW_SHA1 = env.bool("OPENIVAN_ALLOW_SHA1", default=False)
OPENIVAN_ALLOW_BRANCH_MST = env.bool("OPENIVAN_ALLOW_BRANCH_MST", default=True)
OPENIVAN_AGENCY_P12 = env.str("OPENIVAN_AGENCY_P12", default=str(HOME / "agency.p12"))
OPENIVAN_AGENCY_P12_PASSWORD = env.str("OPENIVAN_AGENCY_P12_PASSWORD", default="")
# The unit's signature and the provider's countersignature are made moments before sending;
# older ones are refused (SIG_TOO_OLD), so that a key whose certificate expired cannot sign
# dated back into its validity. 72 hours outlast a weekend's outage of the intake.
OPENIVAN_MAX_SIGNATURE_AGE_HOURS = env.int("OPENIVAN_MAX_SIGNATURE_AGE_HOURS", default=72)
OPENIVAN_MAX_BODY_BYTES = env.int("OPENIVAN_MAX_BODY_BYTES", default=2 * 1024 * 1024)
# One file attached to a dossier (FileToKhai, decoded): a PDF scan, an XML declaration.
OPENIVAN_MAX_ATTACHMENT_BYTES = env.int("OPENIVAN_MAX_ATTACHMENT_BYTES", default=1536 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = OPENIVAN_MAX_BODY_BYTES
OPENIVAN_DECISION_WORKING_DAYS = env.int("OPENIVAN_DECISION_WORKING_DAYS", default=3)
# Requests per provider per minute, counted in the database (conf.services.throttles) so that
# every web process shares one count.
OPENIVAN_RATE_LIMIT_PER_MINUTE = env.int("OPENIVAN_RATE_LIMIT_PER_MINUTE", default=600)

# ------------------------------------------------------------------ portal: signed declarations
# A person's 01/ĐK-GD is answered (handed to SMTP and to the SMSC) within ANSWER_MINUTES of its
# reception when signed with a certificate, of the officer's decision when filed at the desk or
# on paper (seed 004: 15 minutes); past WARN_MINUTES unanswered the monitor warns, past
# ANSWER_MINUTES it is critical.
OPENIVAN_PORTAL_ANSWER_MINUTES = env.int("OPENIVAN_PORTAL_ANSWER_MINUTES", default=15)
OPENIVAN_PORTAL_WARN_MINUTES = env.int("OPENIVAN_PORTAL_WARN_MINUTES", default=10)
# A declaration is a few kilobytes; anything near this is not one.
OPENIVAN_PORTAL_MAX_BYTES = env.int("OPENIVAN_PORTAL_MAX_BYTES", default=256 * 1024)
# Declarations sent per client address per minute (counted in the database, shared by every web
# process). Generous: a mobile carrier's NAT puts thousands of people behind one address, and a
# person declares once; a script flooding the public endpoint is what it stops.
OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE = env.int("OPENIVAN_PORTAL_RATE_LIMIT_PER_MINUTE",
                                                default=60)
# The processing job: a CA's OCSP responder out of reach is retried after RETRY_SECONDS,
# doubling up to RETRY_MAX_SECONDS (short: the 15 minutes run meanwhile), MAX_ATTEMPTS in all.
OPENIVAN_PORTAL_JOB_MAX_ATTEMPTS = env.int("OPENIVAN_PORTAL_JOB_MAX_ATTEMPTS", default=30)
OPENIVAN_PORTAL_JOB_RETRY_SECONDS = env.int("OPENIVAN_PORTAL_JOB_RETRY_SECONDS", default=5)
OPENIVAN_PORTAL_JOB_RETRY_MAX_SECONDS = env.int("OPENIVAN_PORTAL_JOB_RETRY_MAX_SECONDS",
                                                default=60)
OPENIVAN_PORTAL_JOB_LEASE_SECONDS = env.int("OPENIVAN_PORTAL_JOB_LEASE_SECONDS", default=120)
# How often the worker reads the answers' hand-off times back from the outbox.
OPENIVAN_PORTAL_ANSWER_SWEEP_SECONDS = env.float("OPENIVAN_PORTAL_ANSWER_SWEEP_SECONDS",
                                                 default=5.0)
# A declaration confirmed online "nộp tại cơ quan BHXH" must be filed at the reception point
# within this many days of its confirmation, or it is cancelled.
OPENIVAN_PORTAL_FILING_DAYS = env.int("OPENIVAN_PORTAL_FILING_DAYS", default=10)
# ... reminded (email and SMS) this many days before that end.
OPENIVAN_PORTAL_DESK_REMIND_DAYS_BEFORE = env.int("OPENIVAN_PORTAL_DESK_REMIND_DAYS_BEFORE",
                                                  default=3)
# A paper declaration entered at the desk: the account within this many working days.
OPENIVAN_PORTAL_PAPER_WORKING_DAYS = env.int("OPENIVAN_PORTAL_PAPER_WORKING_DAYS", default=3)
# The records' CSV uploaded in the desk's page, at most (larger: `openivan manage
# import_records FILE.csv`, the same import).
OPENIVAN_PORTAL_RECORDS_UPLOAD_MB = env.int("OPENIVAN_PORTAL_RECORDS_UPLOAD_MB", default=200)
# The remote signing (CSC) services' hosts an individual may sign with: the address is typed on
# an anonymous page, so no other host is ever called (none by default: remote signing is off).
OPENIVAN_PORTAL_CSC_HOSTS = env.list("OPENIVAN_PORTAL_CSC_HOSTS", default=[])

# ------------------------------------------------------------------ notifications
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="BHXH Việt Nam <no-reply@localhost>")
OPENIVAN_MAIL_DOMAIN = env.str("OPENIVAN_MAIL_DOMAIN", default="openivan.localhost")
OPENIVAN_DATA_KEY = env.str("OPENIVAN_DATA_KEY", default=SECRET_KEY)
# Data keys replaced by a rotation: what they sealed (emails not yet sent) and digested
# (confirmation codes already sent) still opens. Default: SECRET_KEY's fallbacks, when the
# data key is SECRET_KEY.
OPENIVAN_DATA_KEY_FALLBACKS = env.list(
    "OPENIVAN_DATA_KEY_FALLBACKS",
    default=[] if "OPENIVAN_DATA_KEY" in os.environ else SECRET_KEY_FALLBACKS)
# With the backoff below, 32 attempts span about 25 hours: a mail server down for a night
# still delivers every confirmation code while it is valid (24 h).
OPENIVAN_NOTIFY_MAX_ATTEMPTS = env.int("OPENIVAN_NOTIFY_MAX_ATTEMPTS", default=32)
OPENIVAN_NOTIFY_RETRY_SECONDS = env.int("OPENIVAN_NOTIFY_RETRY_SECONDS", default=30)
OPENIVAN_NOTIFY_RETRY_MAX_SECONDS = env.int("OPENIVAN_NOTIFY_RETRY_MAX_SECONDS", default=3600)
OPENIVAN_NOTIFY_LEASE_SECONDS = env.int("OPENIVAN_NOTIFY_LEASE_SECONDS", default=300)
OPENIVAN_NOTIFY_SMTP_TIMEOUT = env.int("OPENIVAN_NOTIFY_SMTP_TIMEOUT", default=30)
# A stopped worker (SIGTERM, SIGINT) waits this long at most for the email it is sending.
OPENIVAN_WORKER_STOP_SECONDS = env.float("OPENIVAN_WORKER_STOP_SECONDS", default=30.0)
# Monitoring (conf.services.monitoring): an email still unsent this long after it was queued
# is an alert; with the first retries (30 s, 1 min, 2 min, 4 min …) a passing fault of the
# mail server stays under it.
OPENIVAN_ALERT_UNSENT_MINUTES = env.int("OPENIVAN_ALERT_UNSENT_MINUTES", default=15)
# The bearer token of GET /api/v1/health/checks (empty: that call is off).
OPENIVAN_MONITORING_TOKEN = env.str("OPENIVAN_MONITORING_TOKEN", default="")
OPENIVAN_SWEEP_SECONDS = env.int("OPENIVAN_SWEEP_SECONDS", default=30)
# How often each worker looks for due emails in the outbox.
OPENIVAN_NOTIFY_POLL_SECONDS = env.float("OPENIVAN_NOTIFY_POLL_SECONDS", default=1.0)

# SMS through an SMS centre over SMPP 3.4 (core.sms). Parsed here so that a malformed URL
# stops every start (web, worker, commands) with SMS_URL_INVALID rather than the first SMS.
SMS_URL = env.str("SMS_URL", default="smpp://bhxh:secret@localhost:2775?source=BHXH")
_sms_settings = parse_sms_url(SMS_URL)
# Its own queue (`sms`): an SMSC down delays no email and an SMTP server down no SMS. With
# the backoff below, 24 attempts span about a day.
OPENIVAN_SMS_MAX_ATTEMPTS = env.int("OPENIVAN_SMS_MAX_ATTEMPTS", default=24)
OPENIVAN_SMS_RETRY_SECONDS = env.int("OPENIVAN_SMS_RETRY_SECONDS", default=30)
OPENIVAN_SMS_RETRY_MAX_SECONDS = env.int("OPENIVAN_SMS_RETRY_MAX_SECONDS", default=3600)
OPENIVAN_SMS_LEASE_SECONDS = env.int("OPENIVAN_SMS_LEASE_SECONDS", default=120)
# How often each worker reads the delivery receipts its SMSC connection received.
OPENIVAN_SMS_RECEIPT_SECONDS = env.float("OPENIVAN_SMS_RECEIPT_SECONDS", default=5.0)

# ------------------------------------------------------------------ activation, accounts
# The public address of the agency's portal, for links in emails.
OPENIVAN_PUBLIC_URL = env.str("OPENIVAN_PUBLIC_URL", default="http://127.0.0.1:8000").rstrip("/")
OPENIVAN_ACTIVATION_HOURS = env.int("OPENIVAN_ACTIVATION_HOURS", default=24)
OPENIVAN_ACTIVATION_MAX_TRIES = env.int("OPENIVAN_ACTIVATION_MAX_TRIES", default=5)
OPENIVAN_CODE_LENGTH = env.int("OPENIVAN_CODE_LENGTH", default=10)
# Tổng đài hỗ trợ: the number an activation page that cannot go on sends the unit to.
OPENIVAN_AGENCY_HOTLINE = env.str("OPENIVAN_AGENCY_HOTLINE", default="1900 9068")
# Decisions an officer must take (a unit without a unit code) go to the queue; others are
# accepted at activation.
OPENIVAN_REVIEW_UNITS_WITHOUT_CODE = env.bool("OPENIVAN_REVIEW_UNITS_WITHOUT_CODE", default=True)
OPENIVAN_ONE_TIME_PASSWORD_LENGTH = env.int("OPENIVAN_ONE_TIME_PASSWORD_LENGTH", default=12)
# Issued one-time passwords are hashed at OWASP's minimum Argon2id (accounts/hashers.py), which
# is safe for a machine-made secret of about 56 bits (12 characters drawn from 25) and not for
# a shorter one: a shorter length is refused, not quietly weakened.
if OPENIVAN_ONE_TIME_PASSWORD_LENGTH < 12:
    raise environ.ImproperlyConfigured(
        "OPENIVAN_ONE_TIME_PASSWORD_LENGTH must be at least 12 (the one-time password's light "
        f"hash assumes about 56 bits), got {OPENIVAN_ONE_TIME_PASSWORD_LENGTH}")
# A password a person chooses (after a one-time password, or any change; accounts made in
# the admin too): at least this long (OWASP ASVS 5.0 6.2.1: 8 at the least, 15 advised), not
# one of the 20 000 most common, not all digits, not close to the account's own name or email.
OPENIVAN_PASSWORD_MIN_LENGTH = env.int("OPENIVAN_PASSWORD_MIN_LENGTH", default=12)
# Accounts the agency issues (units, individuals) change their password at least this often
# (the seeds: every 6 months; 0: never), reminded on every page this many days before.
OPENIVAN_PASSWORD_MAX_AGE_DAYS = env.int("OPENIVAN_PASSWORD_MAX_AGE_DAYS", default=180)
OPENIVAN_PASSWORD_REMIND_DAYS = env.int("OPENIVAN_PASSWORD_REMIND_DAYS", default=14)
_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATION}.MinimumLengthValidator",
     "OPTIONS": {"min_length": OPENIVAN_PASSWORD_MIN_LENGTH}},
    {"NAME": f"{_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATION}.NumericPasswordValidator"},
]
# "Quên mật khẩu" of an individual's account: a code of RESET_CODE_LENGTH digits by SMS, good
# for RESET_CODE_MINUTES and RESET_MAX_TRIES wrong tries; at most RESET_PER_DAY codes a person
# in 24 hours (an SMS costs money, and a flood of them is harassment), and RESET_PER_CLIENT
# requests or wrong codes from one address within OPENIVAN_LOGIN_LOCKOUT_MINUTES.
OPENIVAN_PORTAL_RESET_CODE_LENGTH = env.int("OPENIVAN_PORTAL_RESET_CODE_LENGTH", default=6)
OPENIVAN_PORTAL_RESET_CODE_MINUTES = env.int("OPENIVAN_PORTAL_RESET_CODE_MINUTES", default=10)
OPENIVAN_PORTAL_RESET_MAX_TRIES = env.int("OPENIVAN_PORTAL_RESET_MAX_TRIES", default=5)
OPENIVAN_PORTAL_RESET_PER_DAY = env.int("OPENIVAN_PORTAL_RESET_PER_DAY", default=3)
OPENIVAN_PORTAL_RESET_PER_CLIENT = env.int("OPENIVAN_PORTAL_RESET_PER_CLIENT", default=20)
OPENIVAN_LOGIN_MAX_FAILURES = env.int("OPENIVAN_LOGIN_MAX_FAILURES", default=5)
OPENIVAN_LOGIN_LOCKOUT_MINUTES = env.int("OPENIVAN_LOGIN_LOCKOUT_MINUTES", default=15)
# Failed sign-ins from one address, whatever the accounts, within the same window: one
# address trying a few passwords on many accounts never locks any of them.
OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT = env.int("OPENIVAN_LOGIN_MAX_FAILURES_PER_CLIENT",
                                                 default=30)
# A browser that signed in to an account keeps a signed cookie this many days; from it, the
# account's holder still signs in while others' failures lock the account or the address
# (0: no such cookie).
OPENIVAN_KNOWN_DEVICE_DAYS = env.int("OPENIVAN_KNOWN_DEVICE_DAYS", default=90)
# Agency staff (staff status, superusers, any permission: officers, auditors) type a code
# from an authenticator app after their password (xác thực hai lớp). Off only for a closed
# test bench: the console and the admin are then one password away.
OPENIVAN_STAFF_SECOND_FACTOR = env.bool("OPENIVAN_STAFF_SECOND_FACTOR", default=True)
# Wrong codes per account within OPENIVAN_LOGIN_LOCKOUT_MINUTES, then none accepted until
# the window ends.
OPENIVAN_SECOND_FACTOR_MAX_FAILURES = env.int("OPENIVAN_SECOND_FACTOR_MAX_FAILURES", default=5)
# The name the authenticator app shows beside the account.
OPENIVAN_SECOND_FACTOR_ISSUER = env.str("OPENIVAN_SECOND_FACTOR_ISSUER", default="BHXH OpenIVAN")
# Reverse proxies in front of the web processes: the caller's address is then read from the
# right of X-Forwarded-For, where each proxy appended the address it saw.
OPENIVAN_TRUSTED_PROXIES = env.int("OPENIVAN_TRUSTED_PROXIES", default=0)
# The audit log may be pruned (`openivan manage audit prune`) only of events older than this.
OPENIVAN_AUDIT_MIN_DAYS = env.int("OPENIVAN_AUDIT_MIN_DAYS", default=365)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
# A session ends after this many minutes without a request (each request restarts the count),
# as on the government's other portals: an officer's unattended desk does not stay signed in.
OPENIVAN_SESSION_IDLE_MINUTES = env.int("OPENIVAN_SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = OPENIVAN_SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
# However active, a session ends this many hours after its sign-in (OWASP ASVS 5.0 7.3.2): a
# session stolen or left open is not good forever, and a staff account passes its second
# factor again at least once a working day.
OPENIVAN_SESSION_MAX_HOURS = env.int("OPENIVAN_SESSION_MAX_HOURS", default=12)

# ------------------------------------------------------------------ HTTPS
# A portal published at an https:// address sends its cookies only over HTTPS and tells
# browsers to use nothing else (HSTS). Redirecting plain HTTP is the reverse proxy's job
# (or SECURE_SSL_REDIRECT=1), which also says with X-Forwarded-Proto that it received HTTPS.
_PUBLIC_HTTPS = OPENIVAN_PUBLIC_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _PUBLIC_HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 86400 if _PUBLIC_HTTPS else 0)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
if OPENIVAN_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The provider role: who this provider is at the agency, how it reaches the agency's intake,
# and the key it countersigns with when the agency asks (empty: no countersignature).
OPENIVAN_PROVIDER_CODE = env.str("OPENIVAN_PROVIDER_CODE", default="00040")
OPENIVAN_PROVIDER_NAME = env.str("OPENIVAN_PROVIDER_NAME", default="I-VAN MỞ")
OPENIVAN_PROVIDER_P12 = env.str("OPENIVAN_PROVIDER_P12", default="")
OPENIVAN_PROVIDER_P12_PASSWORD = env.str("OPENIVAN_PROVIDER_P12_PASSWORD", default="")
OPENIVAN_AGENCY_URL = env.str("OPENIVAN_AGENCY_URL", default="http://127.0.0.1:8000")
OPENIVAN_AGENCY_API_KEY = env.str("OPENIVAN_AGENCY_API_KEY", default="")
# PEM file of the agency's signing certificates whose answers the provider believes.
OPENIVAN_AGENCY_CERTIFICATES = env.str("OPENIVAN_AGENCY_CERTIFICATES", default="")
OPENIVAN_AGENCY_TIMEOUT = env.float("OPENIVAN_AGENCY_TIMEOUT", default=30.0)
# The provider's background jobs (an HSM's signing, sending to the agency): a failed try is
# retried after RETRY_SECONDS, doubling up to RETRY_MAX_SECONDS, MAX_ATTEMPTS in all (about
# two days at the defaults); a job whose worker died is taken again after LEASE_SECONDS (an
# HSM may wait minutes for its holder's approval).
OPENIVAN_PROVIDER_JOB_MAX_ATTEMPTS = env.int("OPENIVAN_PROVIDER_JOB_MAX_ATTEMPTS", default=60)
OPENIVAN_PROVIDER_JOB_RETRY_SECONDS = env.int("OPENIVAN_PROVIDER_JOB_RETRY_SECONDS", default=15)
OPENIVAN_PROVIDER_JOB_RETRY_MAX_SECONDS = env.int("OPENIVAN_PROVIDER_JOB_RETRY_MAX_SECONDS",
                                                  default=1800)
OPENIVAN_PROVIDER_JOB_LEASE_SECONDS = env.int("OPENIVAN_PROVIDER_JOB_LEASE_SECONDS", default=900)
# How often the worker asks the agency for the decision of received transactions.
OPENIVAN_PROVIDER_POLL_SECONDS = env.int("OPENIVAN_PROVIDER_POLL_SECONDS", default=300)
# The local signing agent's ports on 127.0.0.1 the provider's token pages call, in order
# (docs/signer-agent.md); the pages' Content-Security-Policy admits these and no other.
OPENIVAN_SIGNER_PORTS = [int(p) for p in env.list("OPENIVAN_SIGNER_PORTS",
                                                   default=["47251", "47252", "47253"])]
