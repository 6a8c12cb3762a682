"""Parse and render the public API's JSON. Rules live in booking.py and patient_details.py."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..availability import clinic_timezone
from ..date_bounds import OUT_OF_BOUNDS, parse_moment, validate_within_bounds
from ..models import Appointment, Practitioner, VisitReason
from ..patient_details import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    clean_name,
    normalize_mobile_phone,
    normalize_phone,
    validate_birth_date,
)
from ..slots import MAX_DAYS


class VisitReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitReason
        fields = ["id", "name", "duration_minutes", "patients"]


class PractitionerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    visit_reasons = VisitReasonSerializer(many=True, read_only=True, source="bookable_reasons")

    class Meta:
        model = Practitioner
        fields = ["id", "name", "specialty", "visit_reasons"]


class NextSlotSerializer(serializers.Serializer):
    practitioner = serializers.IntegerField()
    start = serializers.DateTimeField(allow_null=True, help_text="With its offset; null if nothing is free")
    visit_reason = serializers.DictField(allow_null=True)
    booking_url = serializers.URLField()


class BoundedDateField(serializers.DateField):
    """A date between 1900 and 2100 (date_bounds says why): every date the API reads is one."""

    default_validators = [validate_within_bounds]


class DayRangeSerializer(serializers.Serializer):
    """`from` and `to`, local days included, MAX_DAYS at most."""

    to = BoundedDateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = BoundedDateField()  # a Python keyword, so declared here
        return fields

    def validate(self, attrs):
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": _("The end of the range is before its start.")})
        if (attrs["to"] - attrs["from"]).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"to": _("A range covers at most %(days)d days.") % {"days": MAX_DAYS}})
        return attrs


class SlotQuerySerializer(DayRangeSerializer):
    practitioner = serializers.IntegerField(min_value=1)
    visit_reason = serializers.IntegerField(min_value=1)


class LocalDateTimeField(serializers.DateTimeField):
    """Renders in the clinic's zone with its offset; requires an offset on input."""

    def to_internal_value(self, value):
        if isinstance(value, str):  # bounded before DRF converts it to UTC, which overflows near year 9999
            naive = parse_moment(value.replace("Z", "+00:00"))
            if naive is None and _looks_like_a_moment(value):
                raise serializers.ValidationError(OUT_OF_BOUNDS)
        moment = super().to_internal_value(value)
        if isinstance(value, str) and not _has_offset(value):
            raise serializers.ValidationError(_("Give the time with its UTC offset, e.g. 2026-03-02T09:00:00+01:00."))
        return moment

    def to_representation(self, value):
        return value.astimezone(clinic_timezone()).isoformat()


def _looks_like_a_moment(value: str) -> bool:
    """Parsable as a date-time by Python but out of bounds (a malformed value gets DRF's own message)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _has_offset(value: str) -> bool:
    time_part = value.partition("T")[2] or value.partition(" ")[2]
    return time_part.endswith("Z") or "+" in time_part or "-" in time_part


class SlotSerializer(serializers.Serializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()


class SlotListSerializer(serializers.Serializer):
    slots = SlotSerializer(many=True)


class PatientInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    birth_date = BoundedDateField()
    phone = serializers.CharField(max_length=32)
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True, default="")

    def validate_first_name(self, value):
        return django_to_drf(clean_name, value)

    def validate_last_name(self, value):
        return django_to_drf(clean_name, value)

    def validate_birth_date(self, value):
        django_to_drf(validate_birth_date, value, timezone.localdate())
        return value

    def validate_phone(self, value):
        return django_to_drf(normalize_mobile_phone, value)


class StaffPatientInputSerializer(PatientInputSerializer):
    """A new patient recorded by staff: a landline is accepted (the clinic calls it; no SMS will reach it)."""

    def validate_phone(self, value):
        return django_to_drf(normalize_phone, value)


def django_to_drf(check: Callable[..., Any], *args: Any) -> Any:
    try:
        return check(*args)
    except DjangoValidationError as error:
        raise serializers.ValidationError(error.messages) from None


class VerificationInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64, help_text="From POST /api/v1/phone-verifications/")
    code = serializers.RegexField(
        r"^[0-9]{6}$", required=False, allow_blank=True, default="", help_text="The 6 digits sent by SMS"
    )


class AppointmentRequestSerializer(serializers.Serializer):
    practitioner = serializers.IntegerField(min_value=1)
    visit_reason = serializers.IntegerField(min_value=1)
    start = LocalDateTimeField()
    patient = PatientInputSerializer()
    verification = VerificationInputSerializer(
        required=False,
        help_text="Required when the clinic verifies phone numbers (POST phone-verifications/ answers 400 when not)",
    )


class RescheduleSerializer(serializers.Serializer):
    start = LocalDateTimeField()


class BookedAppointmentSerializer(serializers.ModelSerializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    manage_token = serializers.CharField(read_only=True, help_text="The key of the manage link; keep it")

    class Meta:
        model = Appointment
        fields = ["start", "end", "status", "manage_token"]


class ManagedAppointmentSerializer(serializers.ModelSerializer):
    """What the holder of a manage link may see: no patient data at all.

    Not even the first name: the link may have been forwarded (to a relative, a colleague), and the patient who
    booked knows their own name.
    """

    start = LocalDateTimeField()
    end = LocalDateTimeField()
    practitioner = serializers.CharField(source="practitioner.name")
    practitioner_id = serializers.IntegerField()
    visit_reason = serializers.CharField(source="visit_reason.name")
    visit_reason_id = serializers.IntegerField()
    can_change = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "start",
            "end",
            "status",
            "practitioner",
            "practitioner_id",
            "visit_reason",
            "visit_reason_id",
            "can_change",
        ]

    def get_can_change(self, appointment) -> bool:
        return self.context["can_change"]


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
