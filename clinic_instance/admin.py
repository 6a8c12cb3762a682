"""Clinic staff configure the practice here until the workspace issue lands."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .availability import overlapping_appointments
from .models import (
    Appointment,
    Clinic,
    DirectoryRegistration,
    Patient,
    Practitioner,
    ScheduleException,
    StaffMember,
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


class AppointmentAdminForm(forms.ModelForm):
    """The end follows from the visit reason; an overlap is a form error, not a crash."""

    class Meta:
        model = Appointment
        fields = ["practitioner", "visit_reason", "patient", "start", "status", "source", "cancellation_reason"]

    def clean(self):
        cleaned = super().clean()
        start, reason, practitioner = cleaned.get("start"), cleaned.get("visit_reason"), cleaned.get("practitioner")
        if start and reason and practitioner:
            self.instance.end = start + reason.duration
            taken = overlapping_appointments(
                practitioner, start, self.instance.end, ignore_appointment_id=self.instance.pk
            )
            if cleaned.get("status") != Appointment.Status.CANCELLED and taken.exists():
                raise forms.ValidationError(_("This practitioner already has an appointment at this time."))
        if cleaned.get("status") == Appointment.Status.CANCELLED:
            if self.instance.cancelled_at is None:
                self.instance.cancelled_at = timezone.now()
                self.instance.cancelled_by = Appointment.CancelledBy.CLINIC
        else:
            self.instance.cancelled_at, self.instance.cancelled_by = None, ""
        return cleaned


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    form = AppointmentAdminForm
    list_display = ["start", "practitioner", "visit_reason", "patient", "status", "source"]
    list_filter = ["status", "source", "practitioner"]
    date_hierarchy = "start"
    raw_id_fields = ["patient"]
    readonly_fields = ["end", "created_at", "cancelled_at", "cancelled_by"]
    list_select_related = ["practitioner", "visit_reason", "patient"]


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Roles and assigned agendas, set here until the workspace has its own staff pages."""

    list_display = ["user", "role", "practitioner"]
    list_filter = ["role"]
    filter_horizontal = ["agendas"]
    autocomplete_fields = ["user"]
