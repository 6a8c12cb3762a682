"""Parse and render weekly schedules and visit reasons for the staff API.

The rules (end after start, no overlap, the practitioner's own reasons, the
shared-reason rule) are the pages': schedule_forms.py and schedule_editing.py.
These serializers only give the JSON its shape.
"""

from rest_framework import serializers

from ..models import VisitReason, WeeklyRange
from ..workspace.schedule_forms import WeeklyRangeFormSet
from .serializers import BoundedDateField

MAX_RANGES = WeeklyRangeFormSet.max_num


class ReasonIdsField(serializers.ListField):
    """The ids of a range's visit reasons (prefetched by the caller)."""

    def get_attribute(self, instance) -> list[int]:
        return sorted(reason.pk for reason in instance.visit_reasons.all())


class WeeklyRangeSerializer(serializers.ModelSerializer):
    start_time = serializers.TimeField(format="%H:%M")
    end_time = serializers.TimeField(format="%H:%M")
    visit_reasons = ReasonIdsField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        default=list,
        max_length=100,
        help_text="Empty: all of the practitioner's visit reasons.",
    )
    valid_from = BoundedDateField(required=False, allow_null=True, default=None)
    valid_until = BoundedDateField(required=False, allow_null=True, default=None, help_text="Inclusive.")

    class Meta:
        model = WeeklyRange
        fields = ["id", "weekday", "start_time", "end_time", "visit_reasons", "valid_from", "valid_until"]
        read_only_fields = ["id"]


class WeekSerializer(serializers.Serializer):
    """The whole week: what PUT sends replaces every range of the practitioner."""

    ranges = WeeklyRangeSerializer(many=True, max_length=MAX_RANGES)


class StaffReasonSerializer(serializers.ModelSerializer):
    shared_with = serializers.SerializerMethodField(help_text="The other practitioners offering this reason.")
    editable = serializers.SerializerMethodField(
        help_text="Whether the caller may change it: only who manages every practitioner using it."
    )

    class Meta:
        model = VisitReason
        fields = [
            "id",
            "name",
            "name_en",
            "duration_minutes",
            "online_bookable",
            "patients",
            "instructions",
            "is_active",
            "shared_with",
            "editable",
        ]

    def get_shared_with(self, reason) -> list[int]:
        return sorted(p.pk for p in reason.practitioners.all() if p.pk != self.context["practitioner"].pk)

    def get_editable(self, reason) -> bool:
        return self.context["editable"](reason)


class ReasonInputSerializer(serializers.ModelSerializer):
    """Described here, checked by the page's VisitReasonForm; a PATCH leaves out what stays."""

    class Meta:
        model = VisitReason
        fields = ["name", "name_en", "duration_minutes", "online_bookable", "patients", "instructions", "is_active"]
