"""Maillon settings, read from the environment.

With no environment at all, Maillon runs on its embedded default: SQLite in
``var/``, files on the local disk, Celery tasks executed in-process, DEBUG on.
Setting ``DEBUG=false`` switches to production mode, where a missing or weak
``SECRET_KEY`` stops start-up.
"""

import ipaddress
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hds_platform.env import (
    check_secret_key,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_ports,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MAILLON_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=True)
TESTING = env_bool("MAILLON_TESTING", default="pytest" in sys.modules)

_secret = env_str("SECRET_KEY")
if DEBUG:
    SECRET_KEY = _secret or "django-insecure-maillon-development-only-never-in-production"
else:
    SECRET_KEY = check_secret_key(_secret)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names Maillon answers to in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "django_countries",  # its translations: country names in the language of the page
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "oauth2_provider",
    "hds_platform",
    "registry",
    "compliance",
    "compliance.monitoring",
    "compliance.reports",
]

MIDDLEWARE = [
    # First: an API token's read already answered is served from the cache with the headers the
    # rest of this list gave it (hds_platform/response_cache.py); everything else passes through.
    "hds_platform.response_cache.FrontDoorMiddleware",
    # Then a page a person already saw, for the same data (hds_platform/page_cache.py).
    "hds_platform.page_cache.PageFrontDoorMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hds_platform.uploads.RequestSizeLimitMiddleware",
    "hds_platform.middleware.RequestIdMiddleware",
    "hds_platform.middleware.ApiCacheControlMiddleware",
    "hds_platform.api.middleware.ApiErrorMiddleware",
    "hds_platform.ratelimit.RateLimitHeadersMiddleware",
    "hds_platform.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hds_platform.api.middleware.ApiLanguageMiddleware",
    "hds_platform.error_pages.StaffOnlyDebugPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hds_platform.accounts.middleware.SessionPolicyMiddleware",
    "hds_platform.accounts.middleware.MfaGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hds_platform.urls"
WSGI_APPLICATION = "hds_platform.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hds_platform.context_processors.organisation",
            ],
        },
    },
]

# Database -----------------------------------------------------------------
# DATABASE_URL is the runtime connection (in production: a role that owns
# nothing and is subject to row-level security). MIGRATION_DATABASE_URL, when
# set, is the owner role that runs migrations (manage.py migrate --database
# owner). CROSS_TENANT_DATABASE_URL, when set, is the alias "cross_tenant": a
# read-only role that bypasses row-level security, for the few named readers
# listed in hds_platform.crossing (without it they read through "default").
# DATABASE_RUNTIME_ROLE / DATABASE_CROSS_TENANT_ROLE name the roles that
# migrations grant privileges to (default: the users of those URLs).
VAR_DIR.mkdir(parents=True, exist_ok=True)
_default_db = f"sqlite:///{VAR_DIR / 'maillon.sqlite3'}"
_database_url = env_str("DATABASE_URL") or _default_db
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.postgresql",
    "django.db.backends.sqlite3",
):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://) or SQLite (sqlite://).")
_owner_url = env_str("MIGRATION_DATABASE_URL")
if _owner_url:
    DATABASES["owner"] = dj_database_url.parse(_owner_url, conn_max_age=0)
_cross_tenant_url = env_str("CROSS_TENANT_DATABASE_URL")
if _cross_tenant_url:
    DATABASES["cross_tenant"] = dj_database_url.parse(_cross_tenant_url, conn_max_age=0)
    DATABASES["cross_tenant"]["TEST"] = {"MIRROR": "default"}
DATABASE_RUNTIME_ROLE = env_str("DATABASE_RUNTIME_ROLE") or DATABASES["default"].get("USER", "")
DATABASE_CROSS_TENANT_ROLE = env_str("DATABASE_CROSS_TENANT_ROLE") or (
    DATABASES["cross_tenant"].get("USER", "") if "cross_tenant" in DATABASES else ""
)
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The lookups that run on every request (an API token, a user's memberships: hds_platform/
    # crossing.py) are prepared statements, parsed and planned once per connection; every other
    # query is bound on the client as Django does, and never prepared (its cursors cannot be).
    # Off behind a pooler that shares server connections per transaction.
    if env_bool("DATABASE_PREPARED_LOOKUPS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "hds_platform.User"
# django-axes first: it refuses a locked-out e-mail and address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing strength is not what the suite tests; argon2 stays the default
    # outside tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "hds_platform" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static and uploaded files --------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "local", ("local", "s3"))
if STORAGE_BACKEND == "s3":
    _file_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID"),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if not _file_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")
else:
    # Files are never served from MEDIA_URL: downloads go through views that
    # check the organisation and the member's role.
    _file_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
STORAGES = {
    "default": _file_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Bounded requests (hds_platform/uploads.py): a body other than multipart may not pass
# DATA_UPLOAD_MAX_MEMORY_SIZE; a multipart body may not pass REQUEST_MAX_BYTES, and each of its
# files is stopped as it streams in past UPLOAD_MAX_FILE_BYTES (larger only where a view says so).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
UPLOAD_MAX_FILE_BYTES = EVIDENCE_MAX_BYTES
FILE_UPLOAD_HANDLERS = [
    "hds_platform.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# E-mail -------------------------------------------------------------------
EMAIL_URL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = EMAIL_URL_BACKENDS[env_choice("EMAIL_BACKEND", "console", tuple(EMAIL_URL_BACKENDS))]
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Maillon <no-reply@maillon.localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery -------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # set per task, only where the task is idempotent
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
MAILLON_QUEUES = ("default", "registry", "reports", "webhooks")
# Task modules a worker imports besides each app's tasks.py (autodiscovered).
CELERY_IMPORTS = ("hds_platform.outbox",)
# Queues are chosen here by task name, not on the tasks themselves.
CELERY_TASK_ROUTES = {
    "registry.tasks.refresh_registry": {"queue": "registry"},
    "registry.tasks.after_import": {"queue": "registry"},
    "compliance.monitoring.tasks.*webhook*": {"queue": "webhooks"},
    "compliance.reports.tasks.*": {"queue": "reports"},
}
CELERY_TASK_CREATE_MISSING_QUEUES = True
CELERY_BROKER_CONNECTION_TIMEOUT = env_float("CELERY_BROKER_CONNECTION_TIMEOUT", 2.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_IGNORE_RESULT = True
OUTBOX_BROKER_BACKOFF_SECONDS = env_int("OUTBOX_BROKER_BACKOFF_SECONDS", 10, minimum=0)
# /health/ turns red when follow-up work waits unsent longer than this, or was sent and never
# acknowledged by a worker for longer than that (the broker lost it: manage.py outbox_resend).
OUTBOX_STALE_SECONDS = env_int("OUTBOX_STALE_SECONDS", 300, minimum=1)
OUTBOX_ACK_TIMEOUT_SECONDS = env_int("OUTBOX_ACK_TIMEOUT_SECONDS", 1800, minimum=1)
CELERY_TIMEZONE = TIME_ZONE

CACHES = {
    "default": (
        # Optional by design: with Redis down every read is a miss (hds_platform/cache.py).
        {"BACKEND": "hds_platform.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
         "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hds_platform.api.authentication.BearerTokenAuthentication",
        "hds_platform.oauth.authentication.OAuthAppAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["hds_platform.ratelimit.ApiRateLimit"],
    "DEFAULT_PAGINATION_CLASS": "hds_platform.api.pagination.CursorPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "hds_platform.api.filters.UpdatedSinceFilter",
    ],
    # JSON bodies only; the views that take a file (evidence, the registry list) accept multipart.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "hds_platform.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hds_platform.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Maillon API",
    "DESCRIPTION": (
        "The HDS conformity chain of an organisation: suppliers, certificates, processing register, "
        "hosting chains, evidence and conformity. Authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Tags and operation ids start after the organisation: `suppliers_list`, not `orgs_suppliers_list`.
    "SCHEMA_PATH_PREFIX": r"/api/v1(/orgs/\{org\})?",
    "DEFAULT_GENERATOR_CLASS": "hds_platform.api.schema.SchemaGenerator",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CertificateKindEnum": "compliance.models.CertificateKind",
        "CertificateStatusEnum": "compliance.models.CertificateStatus",
        "EvidenceKindEnum": "compliance.models.EvidenceKind",
        "ConformityStatusEnum": "compliance.models.ConformityStatus",
        "ProcessingRoleEnum": "compliance.models.ProcessingRole",
        "RoleEnum": "hds_platform.roles.Role",
        "SupplierRegistryMatchStatusEnum": "compliance.models.RegistryMatchStatus",
        "RegistryMatchStatusEnum": "compliance.conformity.RegistryMatch",
        "RegistryChangeKindEnum": "registry.models.Change.Kind",
        "AlertKindEnum": "compliance.models.AlertKind",
        "LinkStatusEnum": "compliance.models.LinkStatus",
        "SnapshotStatusEnum": "registry.models.Snapshot.Status",
        "ReportKindEnum": "compliance.reports.models.ReportKind",
        "ReportFormatEnum": "compliance.reports.models.ReportFormat",
        "ReportStatusEnum": "compliance.reports.models.ReportStatus",
        # Choices that may be absent are null in the API, never "" (the enums hold real values only).
        "HostingModeEnum": "compliance.models.HostingMode",
        "DigestEnum": "compliance.models.DigestFrequency",
        "ResolutionEnum": "compliance.models.AlertResolution",
        "ChainLinkExemptionReasonEnum": "compliance.models.ExemptionReason",
        "RemoteAccessBasisEnum": "compliance.models.RemoteAccessBasis",
        "IdentifiabilityEnum": "compliance.models.Identifiability",
        "SourceEnum": "compliance.models.CertificateSource",
        "AlertStatusEnum": "compliance.models.AlertStatus",
        "WebhookDeliveryStatusEnum": "compliance.models.DeliveryStatus",
        "EvidenceRequestItemStatusEnum": "compliance.models.EvidenceRequestStatus",
        "ScopeEnum": "hds_platform.roles.TokenScope",
    },
    # The webhook payloads first (components and x-webhooks), so that the enum hooks name theirs too.
    "POSTPROCESSING_HOOKS": [
        "compliance.monitoring.webhooks.schema.add_webhooks",
        "drf_spectacular.hooks.postprocess_schema_enums",
        "hds_platform.api.schema.name_inline_enums",
    ],
    # One tag per resource, in the order an integration meets them; each described once, here.
    "TAGS": [
        {"name": "me", "description": "Who is calling."},
        {"name": "suppliers", "description": "Third parties of the organisation, matched against the ANS list."},
        {"name": "certificates", "description": "HDS and ISO 27001 certificates: the organisation's own "
                                                "(supplier null) and its suppliers'."},
        {"name": "processings", "description": "The GDPR art. 30 processing register."},
        {"name": "chain", "description": "The hosting chain of a processing: who does which HDS activity "
                                         "(1-6) for whom."},
        {"name": "evidence", "description": "Documents on file (PDF, PNG, JPEG, DOCX, XLSX), uploaded as "
                                            "multipart/form-data."},
        {"name": "evidence-requests", "description": "Documents asked of a supplier's contact: a single-use upload "
                                                     "link by e-mail, then accepted (they become evidence) or "
                                                     "rejected with a reason."},
        {"name": "incoming-evidence-requests", "description": "Evidence requests the organisation's linked clients "
                                                              "address to it as their provider, answered with a "
                                                              "document it holds."},
        {"name": "conformity", "description": "Conformity answers: per processing, the organisation's summary, "
                                              "the history of status changes."},
        {"name": "attestations", "description": "Signed conformity answers (compact JWS, EdDSA)."},
        {"name": "alerts", "description": "What the organisation is told: expiries, status changes, registry "
                                          "changes."},
        {"name": "notifications", "description": "The caller's own e-mail digest settings (a person, not a "
                                                 "token)."},
        {"name": "webhooks", "description": "Endpoints of practice software, signed deliveries and their log."},
        {"name": "events", "description": "The events webhooks carry, kept 30 days: catching up after missed "
                                          "deliveries."},
        {"name": "reports", "description": "Reports generated as jobs: conformity dossier, register, "
                                           "suppliers, evidence pack."},
        {"name": "offers", "description": "A provider's offers (chain templates with the certificates and "
                                          "documents it shares) and its profile (public trust page)."},
        {"name": "clients", "description": "A provider's client invitations and linked clients, with the "
                                           "statuses they consent to share."},
        {"name": "providers", "description": "A client's linked providers: accepting, consent, ending, "
                                             "applying an offer to a processing."},
        {"name": "members", "description": "Members of the organisation and their roles."},
        {"name": "invitations", "description": "Invitations by e-mail; the link is single-use and expires."},
        {"name": "tokens", "description": "Organisation API tokens; the secret appears once, at creation."},
        {"name": "apps", "description": "Applications an integrator registered (OAuth 2.0, authorization code "
                                        "with PKCE); the client secret appears once, at creation."},
        {"name": "connected-apps", "description": "Apps the organisation authorised: scopes, who allowed them, "
                                                  "last use; revoke one."},
        {"name": "audit-events", "description": "The organisation's hash-chained audit log."},
        {"name": "registry", "description": "The official ANS list of HDS-certified hosts and its imports."},
    ],
}
API_TOKEN_LAST_USED_RESOLUTION_SECONDS = 60

# Connected apps (OAuth 2.0, django-oauth-toolkit; README: Connected apps) -------------------------
# Authorization code with PKCE (S256) only; short-lived access tokens, rotated refresh tokens. The
# grant and token rows are ours: each carries the organisation chosen on the consent page.
OAUTH2_PROVIDER_APPLICATION_MODEL = "hds_platform.OAuthApplication"
OAUTH2_PROVIDER_GRANT_MODEL = "hds_platform.OAuthGrant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "hds_platform.OAuthAccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "hds_platform.OAuthRefreshToken"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "hds_platform.OAuthIDToken"
OAUTH_ACCESS_TOKEN_SECONDS = env_int("OAUTH_ACCESS_TOKEN_SECONDS", 3600, minimum=60)
OAUTH_REFRESH_TOKEN_DAYS = env_int("OAUTH_REFRESH_TOKEN_DAYS", 90, minimum=1)
OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "hds_platform.oauth.validator.OrganisationOAuth2Validator",
    "SCOPES_BACKEND_CLASS": "hds_platform.oauth.validator.MaillonScopes",
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "ALLOWED_GRANT_TYPES": ["authorization_code", "refresh_token"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": OAUTH_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": OAUTH_REFRESH_TOKEN_DAYS * 86400,
    "ROTATE_REFRESH_TOKEN": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 120,
    # Never skip the consent page: the owner must choose the organisation each time.
    "REQUEST_APPROVAL_PROMPT": "force",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG or TESTING else ["https"],
    # The OAuth 2.0 Security BCP (RFC 9700), each point the toolkit offers: no implicit or password
    # grant, tokens only in the Authorization header, the issuer in the authorization response,
    # tokens stored as digests only, and a replayed refresh token revokes its whole family.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
}

# Hot reads and pages already seen answered from the cache under the data generations they were
# built from (hds_platform.response_cache, hds_platform.page_cache; PostgreSQL only). Off in the
# test suite by default, whose transactions never commit (so generations never move); its own
# tests turn it on.
RESPONSE_CACHE = env_bool("RESPONSE_CACHE", default=not TESTING)
RESPONSE_CACHE_SECONDS = env_int("RESPONSE_CACHE_SECONDS", 3600, minimum=1)

# Rate limits (README: Rate limits) ---------------------------------------------------------------
# Requests a minute per API token, per connected app and organisation, and per signed-in person.
# Tokens and apps follow their organisation's plan (Organisation.plan); people have one limit.
# Counted in the cache: Redis when REDIS_URL is set, in-process otherwise; Redis down: allowed.
RATE_LIMIT_ENABLED = env_bool("RATE_LIMIT_ENABLED", default=True)
RATE_LIMIT_PLANS = {
    "standard": env_int("RATE_LIMIT_STANDARD_PER_MINUTE", 600, minimum=1),
    "large": env_int("RATE_LIMIT_LARGE_PER_MINUTE", 3000, minimum=1),
}
RATE_LIMIT_SESSION_PER_MINUTE = env_int("RATE_LIMIT_SESSION_PER_MINUTE", 600, minimum=1)
RATELIMIT_FAIL_OPEN = True
INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 7, minimum=1)
# An evidence request's upload link lives this long, or until its due date plus the grace days.
EVIDENCE_REQUEST_TTL_DAYS = env_int("EVIDENCE_REQUEST_TTL_DAYS", 30, minimum=1)
EVIDENCE_REQUEST_GRACE_DAYS = env_int("EVIDENCE_REQUEST_GRACE_DAYS", 7, minimum=0)
# A supplier import file: its size and its number of data rows.
SUPPLIER_IMPORT_MAX_BYTES = env_int("SUPPLIER_IMPORT_MAX_BYTES", 2 * 1024 * 1024, minimum=1024)
SUPPLIER_IMPORT_MAX_ROWS = env_int("SUPPLIER_IMPORT_MAX_ROWS", 2000, minimum=1)
# Self-service accounts (README: Accounts): how long a verification link and a password link work,
# and how many sign-ups and reset requests one client address (or e-mail address) may make an hour.
EMAIL_VERIFICATION_DAYS = env_int("EMAIL_VERIFICATION_DAYS", 3, minimum=1)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 72, minimum=1) * 3600
SIGNUPS_PER_HOUR = env_int("SIGNUPS_PER_HOUR", 5, minimum=1)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 5, minimum=1)

# Authentication (README: Security) ---------------------------------------------
# Login throttling (django-axes): LOGIN_FAILURE_LIMIT failures for one e-mail from one address
# lock that pair out for LOGIN_LOCKOUT_MINUTES (login, admin, re-authentication, invitations).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login forms' field (it holds the e-mail address)
AXES_USERNAME_CALLABLE = "hds_platform.accounts.throttling.attempted_email"
AXES_CLIENT_IP_CALLABLE = "hds_platform.request_meta.client_address"
AXES_LOCKOUT_CALLABLE = "hds_platform.accounts.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Sessions: SESSION_IDLE_MINUTES without a request, or SESSION_MAX_HOURS after the login, end it.
SESSION_IDLE_SECONDS = 60 * env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_MAX_AGE_SECONDS = 3600 * env_int("SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SESSION_MAX_AGE_SECONDS
# Creating an API token, changing a role, removing a second factor, a webhook's secret: only
# within REAUTHENTICATION_MINUTES of a password (or a second factor) typed again.
REAUTHENTICATION_SECONDS = 60 * env_int("REAUTHENTICATION_MINUTES", 10, minimum=1)
OTP_TOTP_ISSUER = "Maillon"
MFA_RECOVERY_CODES = 10

# Security -----------------------------------------------------------------
# TRUSTED_PROXY: how many reverse proxies stand in front of Maillon (0: none). Only then is
# X-Forwarded-Proto believed, and the client address read from X-Forwarded-For at that depth.
TRUSTED_PROXY = env_int("TRUSTED_PROXY", 0, minimum=0)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp): the pages' scripts are our static files, and the rare
# inline script carries the request's nonce; no inline style, no other origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The key that signs the audit chain heads (hds_platform/audit_anchor.py). Give it to the worker
# that anchors and to whoever verifies, never to the migrate service (the owner role could then
# forge anchors). Development derives one from SECRET_KEY; production without it does not anchor
# (the hourly task logs a warning, verify_audit says the anchors were not checked).
AUDIT_ANCHOR_KEY = env_str("AUDIT_ANCHOR_KEY")
if not AUDIT_ANCHOR_KEY and DEBUG:
    AUDIT_ANCHOR_KEY = "derived-for-development:" + SECRET_KEY
if AUDIT_ANCHOR_KEY and len(AUDIT_ANCHOR_KEY) < 32:
    raise ImproperlyConfigured("AUDIT_ANCHOR_KEY must be a random value of at least 32 characters.")

# /health/ (hds_platform/health.py): the deep check answers these networks, or a caller that
# sends this token; everyone else gets the cheap liveness answer.
HEALTH_CHECK_TOKEN = env_str("HEALTH_CHECK_TOKEN")
try:
    HEALTH_INTERNAL_NETWORKS = [ipaddress.ip_network(network, strict=False) for network in
                                env_list("HEALTH_INTERNAL_NETWORKS", ["127.0.0.0/8", "::1/128"])]
except ValueError as exc:
    raise ImproperlyConfigured(f"HEALTH_INTERNAL_NETWORKS must list networks (CIDR): {exc}") from None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"},
                # WeasyPrint narrates every rendering step at INFO; its warnings (refused resources) stay.
                "weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Registry -----------------------------------------------------------------
REGISTRY_SOURCE_URL = env_str("REGISTRY_SOURCE_URL")
REGISTRY_MAX_REMOVED_SHARE = env_float("REGISTRY_MAX_REMOVED_SHARE", 0.20)
REGISTRY_ENRICHMENT_ENABLED = env_bool("REGISTRY_ENRICHMENT_ENABLED", default=False)
REGISTRY_MAX_FILE_BYTES = env_int("REGISTRY_MAX_FILE_BYTES", 50 * 1024 * 1024, minimum=1024)
# The largest multipart body: the largest file a view accepts, plus the form fields around it.
REQUEST_MAX_BYTES = max(EVIDENCE_MAX_BYTES, REGISTRY_MAX_FILE_BYTES) + 1024 * 1024

# Attestations -------------------------------------------------------------
# A JSON array of Ed25519 private JWKs, each with its kid: the first signs, all are published.
ATTESTATION_SIGNING_KEYS = env_str("ATTESTATION_SIGNING_KEYS")
# Without keys, development and tests create one here on first use; production refuses to sign.
ATTESTATION_DEV_KEY_PATH = VAR_DIR / "attestation-signing-key.json" if DEBUG or TESTING else None

# Webhooks -----------------------------------------------------------------
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
# Ports besides 443 (and 80) that a webhook may use; honoured only with private networks allowed.
WEBHOOK_EXTRA_PORTS = env_ports("WEBHOOK_EXTRA_PORTS")
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_BACKOFF_BASE_SECONDS = env_int("WEBHOOK_BACKOFF_BASE_SECONDS", 30, minimum=1)
# One attempt: each network step (connect, send, each read) within WEBHOOK_TIMEOUT_SECONDS and the
# whole attempt within WEBHOOK_DEADLINE_SECONDS, well under the delivery task's time limits, so that
# the failure is always recorded (compliance/monitoring/webhooks/delivery.py).
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
WEBHOOK_DEADLINE_SECONDS = env_float("WEBHOOK_DEADLINE_SECONDS", 15.0)
if not 0 < WEBHOOK_TIMEOUT_SECONDS <= WEBHOOK_DEADLINE_SECONDS <= 30:
    raise ImproperlyConfigured("Webhooks need 0 < WEBHOOK_TIMEOUT_SECONDS <= WEBHOOK_DEADLINE_SECONDS <= 30.")
# Fairness between organisations: at most this many deliveries of one organisation in flight at
# once, and this many attempts a minute (the rest wait their turn); test events a minute per
# organisation; the circuit breaker of an endpoint that keeps failing.
WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION = env_int("WEBHOOK_MAX_IN_FLIGHT_PER_ORGANISATION", 2, minimum=1)
WEBHOOK_ATTEMPTS_PER_MINUTE_PER_ORGANISATION = env_int("WEBHOOK_ATTEMPTS_PER_MINUTE_PER_ORGANISATION", 120,
                                                       minimum=1)
WEBHOOK_TEST_EVENTS_PER_MINUTE = env_int("WEBHOOK_TEST_EVENTS_PER_MINUTE", 5, minimum=1)
WEBHOOK_CIRCUIT_FAILURES = env_int("WEBHOOK_CIRCUIT_FAILURES", 5, minimum=1)
WEBHOOK_CIRCUIT_OPEN_SECONDS = env_int("WEBHOOK_CIRCUIT_OPEN_SECONDS", 300, minimum=1)
# After a secret rotation the previous secret signs too for this long (README: Webhooks).
WEBHOOK_SECRET_GRACE_HOURS = env_int("WEBHOOK_SECRET_GRACE_HOURS", 24, minimum=0)
# …/events/ lists the events of this many days; older ones are purged daily.
WEBHOOK_EVENTS_RETENTION_DAYS = env_int("WEBHOOK_EVENTS_RETENTION_DAYS", 30, minimum=1)
# In-process mode (CELERY_TASK_ALWAYS_EAGER): "thread" sends deliveries on a background thread after
# the commit, with their retries, so the request that caused them never waits; "inline" sends them
# in the committing thread (the test suite, whose transactions a thread cannot see).
WEBHOOK_INPROCESS_SENDER = env_choice("WEBHOOK_INPROCESS_SENDER", "thread", ("thread", "inline"))

# Idempotent writes: how long the answer to a write sent with an Idempotency-Key is kept for retries.
IDEMPOTENCY_KEY_HOURS = env_int("IDEMPOTENCY_KEY_HOURS", 24, minimum=1)
