"""Forms of the patient pages; the rules themselves live in patient_details.py."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .date_bounds import BoundedDateField, parse_moment
from .patient_details import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PatientDetails,
    clean_name,
    normalize_mobile_phone,
    validate_birth_date,
)


class SlotChoiceField(forms.Field):
    """An ISO 8601 start time with its offset, as carried by the slot buttons."""

    max_raw_length = 40

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str) or len(value) > self.max_raw_length:
            raise forms.ValidationError(_("Choose a slot."))
        moment = parse_moment(value)
        if moment is None or timezone.is_naive(moment):
            raise forms.ValidationError(_("Choose a slot."))
        return moment


class PatientFieldsForm(forms.Form):
    """Who the patient is and how to reach them: shared by booking and the waiting list."""

    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX_LENGTH)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX_LENGTH)
    birth_date = BoundedDateField(label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Used to send your confirmation and reminders."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=EMAIL_MAX_LENGTH, required=False)

    def clean_first_name(self):
        return clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self):
        return clean_name(self.cleaned_data["last_name"])

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        validate_birth_date(value, timezone.localdate())
        return value

    def clean_phone(self):
        return normalize_mobile_phone(self.cleaned_data["phone"])

    def patient_details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            email=data.get("email") or "",
        )


class PatientDetailsForm(PatientFieldsForm):
    start = SlotChoiceField(widget=forms.HiddenInput)
    field_order = ["start"]


class SlotForm(forms.Form):
    start = SlotChoiceField()
