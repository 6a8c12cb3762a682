"""Parse and render the staff API's JSON. Rules live in staff_booking.py and staff_accounts.py."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import Appointment, Patient, Practitioner, StaffMember, VisitReason
from ..staff_booking import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from .serializers import DayRangeSerializer, LocalDateTimeField, StaffPatientInputSerializer


class StaffVisitReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitReason
        fields = ["id", "name", "duration_minutes", "online_bookable", "patients"]


class StaffPractitionerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    visit_reasons = StaffVisitReasonSerializer(many=True, read_only=True, source="active_reasons")

    class Meta:
        model = Practitioner
        fields = ["id", "name", "specialty", "is_active", "visit_reasons"]


class StaffPatientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "birth_date", "phone", "email"]


class PatientMatchSerializer(serializers.Serializer):
    patient = StaffPatientSerializer()
    score = serializers.FloatField()
    possible_duplicate = serializers.BooleanField()


class StaffAppointmentSerializer(serializers.ModelSerializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    visit_reason = serializers.SerializerMethodField()
    patient = StaffPatientSerializer()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "start",
            "end",
            "status",
            "source",
            "forced",
            "practitioner",
            "visit_reason",
            "patient",
            "staff_note",
            "cancelled_at",
            "cancelled_by",
            "cancellation_reason",
            "updated_at",
        ]

    def get_visit_reason(self, appointment) -> dict:
        return {"id": appointment.visit_reason_id, "name": appointment.visit_reason.name}


class AppointmentQuerySerializer(DayRangeSerializer):
    practitioner = serializers.IntegerField(min_value=1, required=False)


class PhoneBookingSerializer(serializers.Serializer):
    """Book by phone: an existing patient's id, or a new patient's details."""

    practitioner = serializers.IntegerField(min_value=1)
    visit_reason = serializers.IntegerField(min_value=1)
    start = LocalDateTimeField()
    patient = serializers.IntegerField(min_value=1, required=False)
    new_patient = StaffPatientInputSerializer(required=False)
    force = serializers.BooleanField(default=False, help_text="Book outside the usual hours.")
    create_anyway = serializers.BooleanField(
        default=False, help_text="Create the new patient even though likely duplicates exist."
    )

    def validate(self, attrs):
        if ("patient" in attrs) == ("new_patient" in attrs):
            raise serializers.ValidationError({"patient": _("Give either a patient's id or a new patient.")})
        return attrs


class MoveSerializer(serializers.Serializer):
    start = LocalDateTimeField()
    practitioner = serializers.IntegerField(min_value=1, required=False)
    force = serializers.BooleanField(default=False, help_text="Move outside the usual hours.")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Appointment.Status.choices)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)


class StaffMemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    active = serializers.BooleanField(source="user.is_active", read_only=True)
    agendas = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = StaffMember
        fields = ["id", "username", "email", "role", "practitioner", "agendas", "active"]


class StaffMemberUpdateSerializer(serializers.Serializer):
    """A partial change of access: what is left out stays as it is."""

    role = serializers.ChoiceField(choices=StaffMember.Role.choices, required=False)
    practitioner = serializers.PrimaryKeyRelatedField(
        queryset=Practitioner.objects.all(), allow_null=True, required=False
    )
    agendas = serializers.PrimaryKeyRelatedField(queryset=Practitioner.objects.all(), many=True, required=False)
    active = serializers.BooleanField(required=False)


class StaffErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
