"""Parse and render absences and blocked time for the staff API; the rules live in absences.py."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..absences import AbsenceError, check_absence
from ..models import Appointment, Patient, ScheduleException
from .serializers import BoundedDateField, LocalDateTimeField

MAX_SEEN = 500  # as the page's preview (schedule_forms.MAX_PREVIEWED)


class WarnedPatientSerializer(serializers.ModelSerializer):
    """Who to warn: a name and a phone, nothing else of the record."""

    class Meta:
        model = Patient
        fields = ["id", "first_name", "last_name", "phone"]


class AffectedAppointmentSerializer(serializers.ModelSerializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    patient = WarnedPatientSerializer()

    class Meta:
        model = Appointment
        fields = ["id", "start", "end", "status", "patient"]


class AbsenceSerializer(serializers.ModelSerializer):
    start = LocalDateTimeField()
    end = LocalDateTimeField()

    class Meta:
        model = ScheduleException
        fields = ["id", "practitioner", "kind", "start", "end", "note", "updated_at"]


class AbsenceDetailSerializer(AbsenceSerializer):
    appointments = AffectedAppointmentSerializer(
        many=True,
        read_only=True,
        source="to_warn",
        help_text="The patients to warn: appointments still inside it, and those the clinic cancelled there.",
    )

    class Meta(AbsenceSerializer.Meta):
        fields = [*AbsenceSerializer.Meta.fields, "appointments"]


class AbsenceCreatedSerializer(AbsenceDetailSerializer):
    cancelled = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="The appointments this request cancelled."
    )

    class Meta(AbsenceDetailSerializer.Meta):
        fields = [*AbsenceDetailSerializer.Meta.fields, "cancelled"]


class AbsenceQuerySerializer(serializers.Serializer):
    practitioner = serializers.IntegerField(min_value=1, max_value=2**63 - 1, required=False)
    to = BoundedDateField(required=False, help_text="Last local day (included)")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = BoundedDateField(required=False)  # a Python keyword, so declared here
        return fields

    def validate(self, attrs):
        if "from" in attrs and "to" in attrs and attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": _("The end of the range is before its start.")})
        return attrs


class AbsenceInputSerializer(serializers.Serializer):
    """A new absence, and what to do with the appointments inside it (as the page's preview asks)."""

    practitioner = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=ScheduleException.Kind.choices)
    start = LocalDateTimeField()
    end = LocalDateTimeField()
    note = serializers.CharField(
        max_length=ScheduleException._meta.get_field("note").max_length, allow_blank=True, default=""
    )
    decision = serializers.ChoiceField(
        choices=[("cancel", "cancel"), ("keep", "keep")],
        required=False,
        help_text="Left out while appointments are inside: nothing is created and the answer (409) lists them. "
        "`cancel` cancels them with `reason`; `keep` keeps them, to move one by one.",
    )
    reason = serializers.CharField(
        max_length=Appointment._meta.get_field("cancellation_reason").max_length,
        allow_blank=True,
        default="",
        help_text="Given to the patients when `decision` is `cancel`.",
    )
    seen = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        max_length=MAX_SEEN,
        default=list,
        help_text="With `decision`: the ids of the affected appointments listed by the 409. If they changed "
        "meanwhile, nothing is created and a new 409 lists them again.",
    )

    def validate(self, attrs):
        try:
            check_absence(kind=attrs["kind"], start=attrs["start"], end=attrs["end"], note=attrs["note"], now=self.now)
        except AbsenceError as error:
            raise serializers.ValidationError({error.field or "non_field_errors": [error.message]}) from None
        if attrs.get("decision") == "cancel" and not attrs["reason"].strip():
            raise serializers.ValidationError({"reason": _("Give the patients a reason for the cancellation.")})
        return attrs

    @property
    def now(self):
        return self.context["now"]


class AffectedConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.ChoiceField(choices=["affected_appointments", "affected_changed"])
    affected = AffectedAppointmentSerializer(many=True)
