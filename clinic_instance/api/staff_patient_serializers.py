"""The staff API's patient changes: what they accept (the checks are the patient page's ContactForm)."""

from rest_framework import serializers

from ..patient_details import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from .serializers import BoundedDateField


class PatientContactSerializer(serializers.Serializer):
    """A partial correction: what is left out stays as it is. Described here, checked by ContactForm."""

    first_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    last_name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    birth_date = BoundedDateField(required=False)
    phone = serializers.CharField(max_length=32, required=False, help_text="National or E.164; saved as E.164.")
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH, required=False, allow_blank=True)


class MergeSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The duplicate record, merged into this one and then deleted."
    )
