"""The practice's configuration in the Django admin: the clinic, its practitioners and visit reasons.

Patients, appointments and staff accounts are not here: the workspace holds them,
where every read and change is checked against the user's agendas and audited.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Clinic,
    DirectoryRegistration,
    Practitioner,
    ScheduleException,
    VisitReason,
    WeeklyRange,
)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "address", "postcode", "city", "phone", "email", "wheelchair_accessible"]}),
        (
            _("Position on the map (directories place the practice by its postcode without it)"),
            {"fields": ["latitude", "longitude"]},
        ),
        (
            _("Booking policy"),
            {
                "fields": [
                    "minimum_notice_minutes",
                    "booking_horizon_days",
                    "buffer_minutes",
                    "cancellation_cutoff_hours",
                    "closed_on_public_holidays",
                    "holiday_region",
                ]
            },
        ),
        (
            _("Messages to patients"),
            {
                "fields": [
                    "sms_enabled",
                    "email_enabled",
                    "reminder_offsets_hours",
                    "quiet_hours_start",
                    "quiet_hours_end",
                    "messages_per_recipient_per_day",
                    "phone_verification",
                    "verification_daily_cap",
                    "waitlist_hold_minutes",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class WeeklyRangeInline(admin.TabularInline):
    model = WeeklyRange
    extra = 0
    filter_horizontal = ["visit_reasons"]


class ScheduleExceptionInline(admin.TabularInline):
    model = ScheduleException
    extra = 0


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["name", "specialty", "specialty_code", "rpps", "accepts_new_patients", "is_active"]
    list_filter = ["specialty", "accepts_new_patients", "is_active"]
    search_fields = ["first_name", "last_name", "rpps"]
    inlines = [WeeklyRangeInline, ScheduleExceptionInline]
    fieldsets = [
        (
            None,
            {"fields": ["title", "first_name", "last_name", "specialty", "rpps", "accepts_new_patients", "is_active"]},
        ),
        (_("In directories"), {"fields": ["specialty_code", "languages", "sector", "teleconsultation"]}),
    ]


@admin.register(DirectoryRegistration)
class DirectoryRegistrationAdmin(admin.ModelAdmin):
    """Read-only: registrations are made by `manage.py federation_register`."""

    list_display = ["name", "base_url", "status", "registered_at", "waiting"]
    readonly_fields = ["base_url", "name", "status", "registered_at", "updated_at"]

    @admin.display(description=_("documents waiting"))
    def waiting(self, registration: DirectoryRegistration) -> int:
        return registration.outbox.filter(delivered_at__isnull=True).count()

    def has_add_permission(self, request):
        return False


@admin.register(VisitReason)
class VisitReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "duration_minutes", "patients", "online_bookable", "is_active"]
    list_filter = ["online_bookable", "patients", "is_active", "practitioners"]
    filter_horizontal = ["practitioners"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "kind", "start", "end", "note"]
    list_filter = ["kind", "practitioner"]
    date_hierarchy = "start"
