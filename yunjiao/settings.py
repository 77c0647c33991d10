"""Django settings for Yunjiao, read from the environment (see .env.example)."""

from __future__ import annotations

import sys
from datetime import timedelta

import dj_database_url

from yunjiao.env import BASE_DIR, VAR_DIR, env_bool, env_int, env_list, env_secret, env_str

TESTING = "pytest" in sys.modules or "test" in sys.argv[1:2]
PRODUCTION = env_str("YUNJIAO_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION and not TESTING)

SECRET_KEY = env_secret("SECRET_KEY", generate_bytes=32, production=PRODUCTION)
# SM4 key (16 bytes, hex) for personal fields at rest; the keyed SM3 digest key is derived from it.
FIELD_ENCRYPTION_KEY = env_secret("FIELD_ENCRYPTION_KEY", generate_bytes=16, production=PRODUCTION)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "huey.contrib.djhuey",
    "yunjiao.core",
    "yunjiao.orgs",
    "yunjiao.accounts",
    "yunjiao.audit",
    "yunjiao.subjects",
    "yunjiao.anomalies",
    "yunjiao.notifications",
    "yunjiao.workflows",
    "yunjiao.documents",
    "yunjiao.geo",
    "yunjiao.monitoring",
    "yunjiao.checkins",
    "yunjiao.leave",
    "yunjiao.discipline",
    "yunjiao.risk",
    "yunjiao.dispatch",
    "yunjiao.education",
    "yunjiao.staff",
    "yunjiao.reports",
    "yunjiao.portal",
    "yunjiao.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yunjiao.core.middleware.SecurityHeadersMiddleware",
    "yunjiao.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
    "yunjiao.portal.middleware.PortalDeviceMiddleware",  # one phone per portal account
]

ROOT_URLCONF = "yunjiao.urls"
WSGI_APPLICATION = "yunjiao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yunjiao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yunjiao.core.context_processors.navigation",
            ],
        },
    }
]

# --- database -------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yunjiao.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
# Persistent connections on PostgreSQL (a connection costs a few ms per request); SQLite opens a file.
# Test runs close them (a kept connection of the live-server thread would block dropping the test database).
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "DB_CONN_MAX_AGE", 0 if TESTING or DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE avoids lock upgrades mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Parallel test runs (several checkouts on one server) can pick their own test database name.
    if env_str("DATABASE_TEST_NAME"):
        DATABASES["default"]["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- jobs -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
HUEY = {
    "name": "yunjiao",
    "immediate": env_bool("HUEY_IMMEDIATE", default=TESTING),
    "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# --- auth and security ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "yunjiao.accounts.passwords.PolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"

# 等保 2.0 level 3: lockout after 5 failures within 15 minutes, idle timeout 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yunjiao.accounts.views.lockout_response"
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_VERBOSE = False
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_REFERRER_POLICY = "same-origin"

# Uploads: refuse oversized bodies early (bytes). Individual features check their own limits.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# phone check-ins (yunjiao/checkins/api.py, yunjiao/portal/services.py)
CHECKIN_MAX_ATTEMPTS = env_int("CHECKIN_MAX_ATTEMPTS", 3)  # failed check-ins a day before only officer review
CHECKIN_MAX_UPLOAD_BYTES = env_int("CHECKIN_MAX_UPLOAD_BYTES", 8 * 1024 * 1024)  # one burst, refused early

# --- i18n -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "yunjiao" / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = env_str("MEDIA_ROOT", str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yunjiao.accounts.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "yunjiao.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yunjiao.api.errors.exception_handler",
    "PAGE_SIZE": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "云矫 Yunjiao API",
    "DESCRIPTION": "社区矫正信息化平台接口。所有数据按用户所属机构（市/县/司法所）范围过滤。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
}

# --- feature settings (each app documents its own in .env.example) ---------
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env_secret("SMS_GATEWAY_TOKEN", generate_bytes=0, production=False) if env_str("SMS_GATEWAY_TOKEN") or env_str("SMS_GATEWAY_TOKEN_FILE") else ""
MAP_TILE_URL = env_str("MAP_TILE_URL")
MAP_TILE_CRS = env_str("MAP_TILE_CRS", "wgs84")  # wgs84 (天地图) | gcj02 (高德): fixes converted for display only
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")
MAP_TILE_SUBDOMAINS = env_str("MAP_TILE_SUBDOMAINS", "1234")  # values of {s} in MAP_TILE_URL (天地图: 01234567)
# Whether a period ending on a holiday rolls forward to the next working day (刑诉法 art.105 convention;
# domain.md: not verified for corrections).
YUNJIAO_DEADLINE_ROLL_FORWARD = env_bool("YUNJIAO_DEADLINE_ROLL_FORWARD", default=True)
EDUCATION_VIDEO_MAX_BYTES = env_int("EDUCATION_VIDEO_MAX_BYTES", 500 * 1024 * 1024)
EDUCATION_FACE_CHECKS = env_bool("EDUCATION_FACE_CHECKS", default=True)

# Lockout is per username: a 司法所's officers usually share one NAT address, so locking an IP would lock
# the whole office out.  axes warns about this choice; it is deliberate.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- location, geofences and MQTT (yunjiao/geo; engine parameters: geo.rules.GeofenceSettings) ----------
GEOFENCE: dict = {}  # overrides of GeofenceSettings fields, e.g. {"band_m": 200, "dwell_minutes": 30}
GEO_MAX_BATCH = env_int("GEO_MAX_BATCH", 1000)
GEO_FUTURE_TOLERANCE_S = env_int("GEO_FUTURE_TOLERANCE_S", 300)
GEO_RETENTION_DAYS = env_int("GEO_RETENTION_DAYS", 730)
MQTT_HOST = env_str("MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("MQTT_PORT", 1883)
MQTT_USERNAME = env_str("MQTT_USERNAME")
MQTT_PASSWORD = env_str("MQTT_PASSWORD")

# --- face verification (yunjiao/checkins/face/config.py holds the defaults from docs) -------------------
FACE_VERIFICATION: dict = {}  # e.g. {"accept_threshold": 0.42, "review_threshold": 0.30}
CHECKIN_CHALLENGE_SECONDS = env_int("CHECKIN_CHALLENGE_SECONDS", 120)
# check tasks (yunjiao/checkins/tasks_services.py): response deadline, grace for a late answer, quiet hours
CHECK_TASK_RESPONSE_MINUTES = env_int("CHECK_TASK_RESPONSE_MINUTES", 30)
CHECK_TASK_LATE_GRACE_MINUTES = env_int("CHECK_TASK_LATE_GRACE_MINUTES", 30)
CHECK_QUIET_HOURS = tuple(env_list("CHECK_QUIET_HOURS", "22:00,07:00"))
CHECK_PLAN_SECRET = env_str("CHECK_PLAN_SECRET")  # seeds the random check times; default: SECRET_KEY
