"""A clinic instance: agendas, patients and appointments, on the clinic's own machine."""

from datetime import timedelta

from celery.schedules import crontab

from .base import *  # noqa: F403
from .base import BASE_DIR, INSTALLED_APPS, MIDDLEWARE, env

INSTALLED_APPS = [
    *INSTALLED_APPS,
    "django.contrib.postgres",  # trigram lookups of the workspace's patient search
    "django_otp",
    "config.apps.TotpConfig",  # django_otp.plugins.otp_totp, named in the admin
    "config.apps.StaticConfig",  # django_otp.plugins.otp_static, named in the admin
    "clinic_instance",
]
_AUTHENTICATION = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
MIDDLEWARE = [
    *MIDDLEWARE[: _AUTHENTICATION + 1],
    "django_otp.middleware.OTPMiddleware",
    "clinic_instance.workspace.sessions.WorkspaceSessionMiddleware",
    *MIDDLEWARE[_AUTHENTICATION + 1 :],
]
ROOT_URLCONF = "clinic_instance.urls"
# What the Celery worker resolves links against: the routes it writes into messages, without their views.
WORKER_URLCONF = "clinic_instance.link_urls"
OPENRDV_ROLE = "clinic"

# Profile documents waiting for a directory are retried by beat (the worker's scheduler thread, config/celery.py).
# The nightly purge erases patients past the clinic's retention period and expired audit entries.
CELERY_BEAT_SCHEDULE = {
    "deliver-profiles-to-directories": {"task": "clinic_instance.tasks.deliver_outbox", "schedule": 10.0},
    "send-due-messages": {"task": "clinic_instance.tasks.send_due_messages", "schedule": 60.0},
    "offer-waitlist-slots": {"task": "clinic_instance.tasks.offer_waitlist_slots", "schedule": 60.0},
    "purge-expired-data": {"task": "clinic_instance.tasks.purge_expired_data", "schedule": crontab(hour=3, minute=30)},
}

# The staff workspace (issue 5).
STAFF_TWO_FACTOR_REQUIRED = env.boolean("STAFF_TWO_FACTOR_REQUIRED", True)
STAFF_IDLE_TIMEOUT = timedelta(minutes=env.integer("STAFF_IDLE_TIMEOUT_MINUTES", 30))
STAFF_INVITE_VALIDITY = timedelta(days=7)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a second factor's key or recovery codes
LOGIN_URL = "workspace:login"

# Messages to patients (issue 6). SMS backends work like Django's e-mail backends.
SMS_BACKEND = env.string(
    "SMS_BACKEND",
    "clinic_instance.sms.console.SmsBackend"
    if env.boolean("DEBUG", False)
    else "clinic_instance.sms.twilio.SmsBackend",
)
SMS_FILE_PATH = env.string("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))
# Where SMS may go (sms/numbers.py check_destination): metropolitan France and the overseas departments
# (Guadeloupe, Martinique, French Guiana, Réunion, Mayotte). The collectivités (PM, BL, MF, NC, PF, WF) are out
# by default: their own numbering plans and operators cost more and are where SMS-pumping fraud goes; a clinic
# there adds its code.
SMS_ALLOWED_REGIONS = env.region_codes("SMS_ALLOWED_REGIONS", ["FR", "GP", "MQ", "GF", "RE", "YT"])
TWILIO_ACCOUNT_SID = env.string("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env.string("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env.string("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = env.string("TWILIO_MESSAGING_SERVICE_SID", "")
TWILIO_API_BASE_URL = env.string("TWILIO_API_BASE_URL", "")  # tests: a local stand-in for api.twilio.com
# The default of the clinic's "verify phone numbers" setting when its row is created (the demo turns it off).
OPENRDV_PHONE_VERIFICATION = env.boolean("PHONE_VERIFICATION", True)
# SMS-pumping guards of phone verification (the daily cap is a clinic setting).
VERIFICATION_CODES_PER_NUMBER_PER_HOUR = env.integer("VERIFICATION_CODES_PER_NUMBER_PER_HOUR", 3)
VERIFICATION_CODES_PER_ADDRESS_PER_HOUR = env.integer("VERIFICATION_CODES_PER_ADDRESS_PER_HOUR", 10)
# The waiting list's limits against floods (clinic_instance/waitlist_limits.py). A new entry costs an SMS and an
# e-mail per offer, and each offer keeps a free slot from everyone else: 5 new entries an hour from one network is
# more than a family joining for all its members, far less than a script.
WAITLIST_JOINS_PER_NETWORK_PER_HOUR = env.integer("WAITLIST_JOINS_PER_NETWORK_PER_HOUR", 5)
# How many slots a practitioner's open offers may hold at once; the other freed slots wait for the next sweep (every
# answer, decline or ended hold wakes it). Few practitioners free more than 3 times within one hold, and a flood of
# entries then keeps at most 3 slots from the patients who book directly.
WAITLIST_OFFERS_HELD_PER_PRACTITIONER = env.integer("WAITLIST_OFFERS_HELD_PER_PRACTITIONER", 3)

# Readiness (config/operations/health.py): a due message unsent for longer than this, or a profile change no
# directory has received for longer than that (a directory down for an hour), makes the instance "not ready".
OUTBOX_MAX_LAG = timedelta(minutes=env.integer("OUTBOX_MAX_LAG_MINUTES", 15))
FEDERATION_MAX_LAG = timedelta(minutes=env.integer("FEDERATION_MAX_LAG_MINUTES", 60))
OPERATIONS_LAG_CHECKS = {
    "message_outbox": "clinic_instance.backlogs.messages_within_lag",
    "federation_delivery": "clinic_instance.backlogs.publications_within_lag",
}
OPERATIONS_GAUGES = "clinic_instance.backlogs.gauges"
