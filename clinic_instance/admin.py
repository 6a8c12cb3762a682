"""Clinic staff configure the practice here until the workspace issue lands."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Appointment, Clinic, Patient, Practitioner, ScheduleException, VisitReason, WeeklyRange


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["name", "address", "phone", "email"]}),
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
    list_display = ["name", "specialty", "rpps", "accepts_new_patients", "is_active"]
    list_filter = ["specialty", "accepts_new_patients", "is_active"]
    search_fields = ["first_name", "last_name", "rpps"]
    inlines = [WeeklyRangeInline, ScheduleExceptionInline]


@admin.register(VisitReason)
class VisitReasonAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "patients", "online_bookable", "is_active"]
    list_filter = ["online_bookable", "patients", "is_active", "practitioners"]
    filter_horizontal = ["practitioners"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "kind", "start", "end", "note"]
    list_filter = ["kind", "practitioner"]
    date_hierarchy = "start"


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "birth_date", "phone"]
    search_fields = ["last_name", "first_name", "phone", "email"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["start", "practitioner", "visit_reason", "patient", "status", "source"]
    list_filter = ["status", "source", "practitioner"]
    date_hierarchy = "start"
    raw_id_fields = ["patient"]
    readonly_fields = ["end", "created_at", "cancelled_at", "cancelled_by"]
    list_select_related = ["practitioner", "visit_reason", "patient"]

    def save_model(self, request, obj, form, change):
        obj.end = obj.start + obj.visit_reason.duration  # never longer than LONGEST_VISIT
        super().save_model(request, obj, form, change)
