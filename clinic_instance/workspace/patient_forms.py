"""Forms of the patient and audit pages: they parse and check, the services in patient_records/gdpr write."""

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.template_format import phone_display

from ..availability import clinic_timezone, local_day_bounds
from ..date_bounds import BoundedDateField
from ..models import AuditEntry, Clinic
from ..patient_details import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, clean_name, normalize_phone, validate_birth_date

SEARCH_MAX_LENGTH = 100


class DateInput(forms.DateInput):
    """A browser date picker: it reads and writes ISO dates whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs, format="%Y-%m-%d")


LARGEST_ID = 2**63 - 1


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, birth date or phone"), max_length=SEARCH_MAX_LENGTH, required=False)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class ReadablePhoneInput(forms.TextInput):
    """Shows a stored +33612345678 as 06 12 34 56 78, the one way the workspace writes phones.

    What staff typed (a bound form sent back with an error) is shown as typed.
    """

    input_type = "tel"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str) and value.startswith("+"):
            return phone_display(value)
        return super().format_value(value)


class ContactForm(forms.Form):
    """A patient's identity and contact details, as staff correct them."""

    first_name = forms.CharField(label=_("First name"), max_length=NAME_MAX_LENGTH)
    last_name = forms.CharField(label=_("Last name"), max_length=NAME_MAX_LENGTH)
    birth_date = BoundedDateField(label=_("Birth date"), widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=32, widget=ReadablePhoneInput(attrs={"autocomplete": "off"}))
    email = forms.EmailField(label=_("E-mail"), max_length=EMAIL_MAX_LENGTH, required=False)

    def clean_first_name(self) -> str:
        return clean_name(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return clean_name(self.cleaned_data["last_name"])

    def clean_birth_date(self) -> date:
        value = self.cleaned_data["birth_date"]
        validate_birth_date(value, timezone.localdate())
        return value

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(min_value=1, max_value=LARGEST_ID, widget=forms.HiddenInput)


class RetentionForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ["patient_retention_years", "audit_retention_days"]


class AuditFilterForm(forms.Form):
    """The audit trail's filters; every field is optional and GET-safe."""

    actor = forms.TypedChoiceField(label=_("Staff account"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object"), required=False)
    patient = forms.IntegerField(label=_("Patient id"), required=False, min_value=1, max_value=LARGEST_ID)
    date_from = BoundedDateField(label=_("From"), required=False, widget=DateInput())
    date_to = BoundedDateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = get_user_model().objects.filter(staff_member__isnull=False).order_by("username")
        self.fields["actor"].choices = [("", _("Everyone")), *((user.pk, user.get_username()) for user in staff)]
        self.fields["action"].choices = [("", _("Any")), *AuditEntry.Action.choices]
        self.fields["object_type"].choices = [("", _("Any")), *AuditEntry.ObjectType.choices]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """The entries matching the valid form's filters (dates are local days, both included)."""
        data = self.cleaned_data
        if data.get("actor"):
            entries = entries.filter(actor_id=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("patient"):
            entries = entries.filter(patient_id=data["patient"])
        tz = clinic_timezone()
        if data.get("date_from"):
            entries = entries.filter(at__gte=local_day_bounds(data["date_from"], data["date_from"], tz)[0])
        if data.get("date_to"):
            entries = entries.filter(at__lt=local_day_bounds(data["date_to"], data["date_to"], tz)[1])
        return entries
