"""Forms of the booking and appointment pages: parse what staff typed; the rules live in staff_booking.py."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..availability import clinic_timezone, local_datetime
from ..date_bounds import BoundedDateField
from ..forms import SlotChoiceField
from ..models import Appointment, Practitioner, VisitReason
from ..patient_details import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PatientDetails,
    clean_name,
    normalize_phone,
    validate_birth_date,
)
from ..patient_search import QUERY_MAX_LENGTH
from ..staff_booking import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

NEW_PATIENT = "new"


NO_SUCH_TIME = _("This time does not exist: the clocks change that night.")


class BookingForm(forms.Form):
    """Book by phone: who, why, when, and the patient (found, or new)."""

    practitioner = forms.ModelChoiceField(Practitioner.objects.none(), label=_("Practitioner"))
    visit_reason = forms.ModelChoiceField(VisitReason.objects.none(), label=_("Visit reason"))
    day = BoundedDateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    q = forms.CharField(
        label=_("Find the patient"),
        required=False,
        max_length=QUERY_MAX_LENGTH,
        help_text=_("Name, birth date (12/05/1980) or phone number; typing mistakes are forgiven."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    patient = forms.CharField(required=False, max_length=20)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=NAME_MAX_LENGTH)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=NAME_MAX_LENGTH)
    birth_date = BoundedDateField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=32, widget=forms.TextInput(attrs={"type": "tel"})
    )
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=EMAIL_MAX_LENGTH)
    create_anyway = forms.BooleanField(label=_("None of these: create a new patient anyway"), required=False)
    force = forms.BooleanField(label=_("Book anyway outside the usual hours"), required=False)

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners
        self.fields["visit_reason"].queryset = VisitReason.objects.filter(
            is_active=True, practitioners__in=practitioners
        ).distinct()

    def clean_first_name(self):
        return self._optional_name("first_name")

    def clean_last_name(self):
        return self._optional_name("last_name")

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value is not None:
            validate_birth_date(value, timezone.localdate())
        return value

    def clean_phone(self):
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("time"):
            data["start"] = local_datetime(data["day"], data["time"], clinic_timezone())
            if data["start"] is None:
                self.add_error("time", NO_SUCH_TIME)
        if data.get("patient") == NEW_PATIENT:
            for field in ("first_name", "last_name", "birth_date", "phone"):
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, _("This field is required for a new patient."))
        return data

    def _optional_name(self, field: str) -> str:
        value = self.cleaned_data[field]
        return clean_name(value) if value.strip() else ""

    def new_patient(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(data["first_name"], data["last_name"], data["birth_date"], data["phone"], data["email"])


class MoveForm(forms.Form):
    """A new time (`start` with its offset, as the calendar sends it, or a day and a time) and practitioner."""

    start = SlotChoiceField(required=False)
    day = BoundedDateField(required=False, label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(required=False, label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    practitioner = forms.IntegerField(required=False, min_value=1, label=_("Practitioner"))
    force = forms.BooleanField(required=False, label=_("Move anyway outside the usual hours"))

    def clean(self):
        data = super().clean()
        if data.get("start") is None and "start" not in self.errors:
            if data.get("day") and data.get("time"):
                data["start"] = local_datetime(data["day"], data["time"], clinic_timezone())
                if data["start"] is None:
                    self.add_error("time", NO_SUCH_TIME)
            elif not self.errors:
                self.add_error("start", _("Choose a day and a time."))
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Appointment.Status.choices)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Private note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Seen by the clinic's staff only, never by the patient."),
    )
