"""Forms of the staff management pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Practitioner, StaffMember


class _AccessFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=StaffMember.Role.choices)
    practitioner = forms.ModelChoiceField(
        label=_("Is the practitioner"),
        queryset=Practitioner.objects.all(),
        required=False,
        help_text=_("For the practitioner role: whose agenda is theirs."),
    )
    agendas = forms.ModelMultipleChoiceField(
        label=_("Agendas they manage"),
        queryset=Practitioner.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A secretary's practitioners; other agendas a practitioner may see. Administrators see all."),
    )

    def clean(self):
        cleaned = super().clean()
        practitioner = cleaned.get("practitioner")
        if cleaned.get("role") == StaffMember.Role.PRACTITIONER:
            if practitioner is None:
                self.add_error("practitioner", _("Choose the practitioner whose agenda this is."))
            elif (
                StaffMember.objects.filter(practitioner=practitioner).exclude(pk=self.initial.get("member_id")).exists()
            ):
                self.add_error("practitioner", _("Another account is already this practitioner."))
        return cleaned


class InviteForm(_AccessFields):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    field_order = ["email", "role", "practitioner", "agendas"]


class MemberForm(_AccessFields):
    active = forms.BooleanField(label=_("Active"), required=False, help_text=_("Inactive accounts cannot sign in."))
