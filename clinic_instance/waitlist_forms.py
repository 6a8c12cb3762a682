"""The form to join a waiting list; the rules live in waitlist.py."""

from datetime import time, timedelta

from django import forms
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from .date_bounds import BoundedDateField
from .forms import PatientFieldsForm
from .models import Clinic
from .models.waitlist import weekday_mask
from .waitlist import Preferences

WEEKDAY_CHOICES = [(day, WEEKDAYS[day]) for day in range(7)]


class WaitlistForm(PatientFieldsForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days that suit you"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4, 5],
    )
    earliest = forms.TimeField(
        label=_("From"), initial=time(8, 0), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    latest = forms.TimeField(
        label=_("Until"),
        initial=time(19, 0),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("The latest start time that suits you."),
    )
    until = BoundedDateField(
        label=_("Waiting until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("After this date you leave the list."),
    )
    field_order = ["weekdays", "earliest", "latest", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        horizon = Clinic.load().booking_horizon_days
        self.fields["until"].initial = timezone.localdate() + timedelta(days=min(30, horizon))
        self.fields["phone"].help_text = _("The freed times are offered to you by text message.")
        self.fields["email"].help_text = _("Optional: the offers come by e-mail too.")

    def preferences(self) -> Preferences:
        data = self.cleaned_data
        return Preferences(
            weekdays=weekday_mask(data["weekdays"]),
            earliest=data["earliest"],
            latest=data["latest"],
            until=data["until"],
        )
