"""Forms of the practitioner area and of "report this profile"."""

import phonenumbers
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from . import gazetteer
from .models import Instance, Profile, ProfileReport, rpps_validator

LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English"), ("es", "Español"), ("de", "Deutsch"),
                    ("it", "Italiano"), ("pt", "Português"), ("ar", "العربية"), ("zh", "中文")]  # fmt: skip


class SignupForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Professional e-mail"), max_length=254)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if get_user_model().objects.filter(username=email, is_active=True).exists():
            raise forms.ValidationError(_("An account already uses this address. Log in instead."))
        return email

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            user = get_user_model()(username=cleaned.get("email", ""), first_name=cleaned.get("first_name", ""))
            password_validation.validate_password(cleaned["password"], user)
        return cleaned


class ClaimForm(forms.Form):
    rpps = forms.CharField(label=_("Your RPPS number"), max_length=11, min_length=11, validators=[rpps_validator])


class ProfileForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    booking_url = forms.URLField(
        label=_("Your online booking page"), required=False, max_length=200, assume_scheme="https"
    )
    instance = forms.ModelChoiceField(
        label=_("Clinic instance where you take online bookings"),
        queryset=Instance.objects.filter(status=Instance.Status.APPROVED),
        required=False,
    )

    class Meta:
        model = Profile
        fields = [
            "title", "first_name", "last_name", "specialty", "practice_name", "address", "postcode", "city",
            "phone", "languages", "sector", "accepts_new_patients", "teleconsultation", "wheelchair_accessible",
            "instance", "booking_url",
        ]  # fmt: skip

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, "FR")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(_("Enter a valid phone number."))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def clean(self):
        cleaned = super().clean()
        postcode, city = cleaned.get("postcode", ""), cleaned.get("city", "")
        if postcode or city:
            places = gazetteer.find_place(f"{city} {postcode}".strip())
            if not places:
                self.add_error("city", _("Unknown town or postcode."))
            else:
                cleaned["latitude"], cleaned["longitude"] = places[0].latitude, places[0].longitude
        instance, url = cleaned.get("instance"), cleaned.get("booking_url", "")
        if url and instance is None:
            self.add_error("instance", _("Choose the clinic instance of your booking page."))
        elif url and not url.startswith(instance.base_url.rstrip("/") + "/"):
            self.add_error("booking_url", _("The booking page must be on the chosen clinic instance."))
        return cleaned

    def values(self) -> dict:
        """The cleaned values under the model's field names, as the moderation services take them."""
        data = self.cleaned_data
        values = {
            name: data[name] for name in self.Meta.fields if name in data and name not in ("specialty", "instance")
        }
        values["specialty_id"] = data["specialty"].pk
        values["instance_id"] = data["instance"].pk if data.get("instance") else None
        values["latitude"], values["longitude"] = data.get("latitude"), data.get("longitude")
        return values


class ReportForm(forms.ModelForm):
    class Meta:
        model = ProfileReport
        fields = ["reason", "message"]
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 1000})}
