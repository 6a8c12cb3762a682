"""Parse and render the waiting list's JSON. Rules live in waitlist.py."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import WaitlistEntry, WaitlistOffer
from ..models.waitlist import weekday_mask
from ..waitlist import Preferences, open_offer
from .serializers import LocalDateTimeField, PatientInputSerializer, VerificationInputSerializer

TIME_FORMAT = "%H:%M"


def status_field(choices: type[models.TextChoices]) -> serializers.CharField:
    # A plain string, its values listed: as an enum, drf-spectacular would rename the
    # appointments' StatusEnum for the collision (no ENUM_NAME_OVERRIDES in the settings).
    return serializers.CharField(read_only=True, help_text="One of: " + ", ".join(choices.values))


class WaitlistJoinSerializer(serializers.Serializer):
    practitioner = serializers.IntegerField(min_value=1)
    visit_reason = serializers.IntegerField(min_value=1)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        max_length=7,
        help_text="Days that suit the patient; 0 is Monday, 6 is Sunday",
    )
    earliest = serializers.TimeField(
        format=TIME_FORMAT, input_formats=[TIME_FORMAT], help_text="Earliest start time that suits, HH:MM"
    )
    latest = serializers.TimeField(
        format=TIME_FORMAT, input_formats=[TIME_FORMAT], help_text="Latest start time that suits, HH:MM"
    )
    until = serializers.DateField(help_text="Last day the patient waits for, YYYY-MM-DD; then the entry expires")
    patient = PatientInputSerializer()
    verification = VerificationInputSerializer(
        required=False,
        help_text="Required when the clinic verifies phone numbers (POST phone-verifications/ answers 400 when not)",
    )

    def validate_weekdays(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("Give each day once."))
        return value


def preferences(data: dict) -> Preferences:
    """The validated request's days and hours as waitlist.join() takes them."""
    return Preferences(
        weekdays=weekday_mask(data["weekdays"]),
        earliest=data["earliest"],
        latest=data["latest"],
        until=data["until"],
    )


class NamedReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LiveOfferSerializer(serializers.ModelSerializer):
    """The time offered to the patient that they may still take; its token opens waitlist/offers/<token>/."""

    start = LocalDateTimeField()
    end = LocalDateTimeField()
    hold_until = LocalDateTimeField()

    class Meta:
        model = WaitlistOffer
        fields = ["token", "start", "end", "hold_until"]


class WaitlistEntrySerializer(serializers.ModelSerializer):
    """What the holder of an entry's token may see: no patient data."""

    status = status_field(WaitlistEntry.Status)
    practitioner = NamedReferenceSerializer()
    visit_reason = NamedReferenceSerializer()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(), source="weekday_numbers", help_text="0 is Monday, 6 is Sunday"
    )
    earliest = serializers.TimeField(source="earliest_time", format=TIME_FORMAT)
    latest = serializers.TimeField(source="latest_time", format=TIME_FORMAT)
    until = serializers.DateField(help_text="The last day waited for; then the entry expires")
    joined_at = LocalDateTimeField(source="created_at")
    offer = serializers.SerializerMethodField(
        help_text="The time offered that the patient may still take (held, or first to confirm), if any"
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "token",
            "status",
            "practitioner",
            "visit_reason",
            "weekdays",
            "earliest",
            "latest",
            "until",
            "joined_at",
            "offer",
        ]

    @extend_schema_field(LiveOfferSerializer(allow_null=True))
    def get_offer(self, entry):
        offer = open_offer(entry, self.context.get("now") or timezone.now())
        return None if offer is None else LiveOfferSerializer(offer).data


class WaitlistOfferSerializer(serializers.ModelSerializer):
    """A time offered to a waiting patient, for the holder of the offer's token: no patient data."""

    # The context holds `now`, for `held`.

    start = LocalDateTimeField()
    end = LocalDateTimeField()
    hold_until = LocalDateTimeField()
    status = status_field(WaitlistOffer.Status)
    held = serializers.SerializerMethodField(help_text="Whether the time is still held for this patient alone")
    open = serializers.SerializerMethodField(help_text="Whether accepting may still book it")
    practitioner = NamedReferenceSerializer()
    visit_reason = NamedReferenceSerializer(source="entry.visit_reason")

    class Meta:
        model = WaitlistOffer
        fields = ["start", "end", "hold_until", "status", "held", "open", "practitioner", "visit_reason"]

    def get_held(self, offer) -> bool:
        return offer.is_held(self.context["now"])

    def get_open(self, offer) -> bool:
        return offer.is_open
