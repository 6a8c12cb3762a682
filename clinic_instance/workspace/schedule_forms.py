"""Forms of the absences, schedules and visit reasons pages; the rules live in absences.py and schedule_editing.py."""

from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..absences import AbsenceError, check_absence
from ..availability import clinic_timezone, local_datetime
from ..date_bounds import BoundedDateField
from ..models import Appointment, Practitioner, ScheduleException, VisitReason, WeeklyRange
from ..schedule_editing import RangeRow, find_overlaps

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MAX_PREVIEWED = 500  # ids carried from the preview to the confirmation


class AbsenceForm(forms.Form):
    practitioner = forms.ModelChoiceField(label=_("Practitioner"), queryset=Practitioner.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=ScheduleException.Kind.choices)
    start_date = BoundedDateField(label=_("From (date)"), widget=DATE_INPUT)
    start_time = forms.TimeField(
        label=_("From (time)"), required=False, widget=TIME_INPUT, help_text=_("Empty: from the start of the day.")
    )
    end_date = BoundedDateField(label=_("Until (date)"), widget=DATE_INPUT)
    end_time = forms.TimeField(
        label=_("Until (time)"), required=False, widget=TIME_INPUT, help_text=_("Empty: until the end of the day.")
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=ScheduleException._meta.get_field("note").max_length,
        help_text=_("Seen by the staff only."),
    )

    # The service's field names, and where their errors show on the form.
    FIELD_OF = {"start": "start_date", "end": "end_date", "note": "note", "kind": "kind"}

    def __init__(self, *args, practitioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["practitioner"].queryset = practitioners

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        tz = clinic_timezone()
        start = local_datetime(data["start_date"], data.get("start_time") or time(0), tz)
        if data.get("end_time") is None:
            end = datetime.combine(data["end_date"] + timedelta(days=1), time(0), tz)
        else:
            end = local_datetime(data["end_date"], data["end_time"], tz)
        if start is None:
            self.add_error("start_time", _("This time does not exist: the clocks change that night."))
        if end is None:
            self.add_error("end_time", _("This time does not exist: the clocks change that night."))
        if start is None or end is None:
            return data
        try:
            check_absence(kind=data["kind"], start=start, end=end, note=data.get("note", ""), now=timezone.now())
        except AbsenceError as error:
            self.add_error(self.FIELD_OF.get(error.field), error.message)
            return data
        data["start"], data["end"] = start, end
        return data


class DecisionForm(forms.Form):
    """The preview's answer: cancel the appointments inside the absence, or keep them to move them."""

    decision = forms.ChoiceField(choices=[("cancel", _("cancel")), ("keep", _("keep"))])
    reason = forms.CharField(
        label=_("Reason given to the patients"),
        required=False,
        max_length=Appointment._meta.get_field("cancellation_reason").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    seen = forms.CharField(required=False, max_length=MAX_PREVIEWED * 12, widget=forms.HiddenInput)

    def clean_seen(self) -> list[int]:
        parts = [part for part in self.cleaned_data["seen"].split(",") if part]
        if len(parts) > MAX_PREVIEWED or not all(part.isdigit() and len(part) < 12 for part in parts):
            raise forms.ValidationError(_("Please start again."))
        return [int(part) for part in parts]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "cancel" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the patients a reason for the cancellation."))
        return data


class WeeklyRangeForm(forms.ModelForm):
    class Meta:
        model = WeeklyRange
        fields = ["weekday", "start_time", "end_time", "visit_reasons", "valid_from", "valid_until"]
        widgets = {
            "start_time": TIME_INPUT,
            "end_time": TIME_INPUT,
            "valid_from": DATE_INPUT,
            "valid_until": DATE_INPUT,
            "visit_reasons": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, practitioner: Practitioner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_reasons"].queryset = practitioner.visit_reasons.order_by("name")
        self.fields["visit_reasons"].help_text = _("None ticked: all of the practitioner's visit reasons.")

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The end must be after the start."))
        valid_from, valid_until = data.get("valid_from"), data.get("valid_until")
        if valid_from and valid_until and valid_until < valid_from:
            self.add_error("valid_until", _("This date is before the 'valid from' date."))
        return data

    def range_row(self) -> RangeRow:
        data = self.cleaned_data
        return RangeRow(
            data["weekday"], data["start_time"], data["end_time"], data.get("valid_from"), data.get("valid_until")
        )


class BaseWeeklyRangeFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # A saved row whose id is not one of this practitioner's ranges: another
        # practitioner's id, or a range removed meanwhile. Never edit it as new.
        if any(form.instance.pk is None for form in self.initial_forms):
            raise forms.ValidationError(_("This schedule changed meanwhile; please reload the page."), code="stale")
        kept = [
            (number, form)
            for number, form in enumerate(self.forms, start=1)
            if form.is_valid()
            and not self._should_delete_form(form)
            and (form.instance.pk or form.has_changed())
            and form.cleaned_data.get("weekday") is not None
        ]
        rows = [form.range_row() for _number, form in kept]
        for i, j in find_overlaps(rows):
            first_number, _first = kept[i]
            second_number, second = kept[j]
            second.add_error(
                "start_time",
                _("Row %(row)s overlaps row %(other)s on the same weekday.")
                % {"row": second_number, "other": first_number},
            )
        if find_overlaps(rows):
            raise forms.ValidationError(_("Two working ranges of the same weekday overlap."), code="overlap")


WeeklyRangeFormSet = forms.inlineformset_factory(
    Practitioner,
    WeeklyRange,
    form=WeeklyRangeForm,
    formset=BaseWeeklyRangeFormSet,
    extra=3,
    can_delete=True,
    max_num=70,
    validate_max=True,
)


class VisitReasonForm(forms.ModelForm):
    class Meta:
        model = VisitReason
        fields = ["name", "name_en", "duration_minutes", "online_bookable", "patients", "instructions", "is_active"]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 3})}


class FeedNamesForm(forms.Form):
    include_patient_names = forms.BooleanField(label=_("Show patient names"), required=False)
