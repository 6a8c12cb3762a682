"""Forms of the sign-in pages and the account page."""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth import get_user_model, password_validation, user_login_failed
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 12}
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=CODE_WIDGET,
        help_text=_("The 6 digits shown by your authenticator app, or one of your recovery codes."),
    )


class EnrollmentForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"), max_length=10, widget=CODE_WIDGET, help_text=_("6 digits.")
    )


def password_matches(request: HttpRequest, password: str) -> bool:
    """The signed-in user's password, asked again: wrong answers count towards the lockout (django-axes).

    Otherwise whoever holds a stolen session could guess the password at leisure.
    """
    credentials = {"username": request.user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        return False
    if request.user.check_password(password):
        return True
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return False


def locked_out(request: HttpRequest) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": request.user.get_username()})


class PasswordConfirmationForm(forms.Form):
    """A sensitive change of one's own account asks for the password again."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not password_matches(self.request, password):
            raise forms.ValidationError(_("This is not your password."), code="password_incorrect")
        return password


class CheckedPasswordChangeForm(PasswordChangeForm):
    """Django's form, with the old password checked as above."""

    def __init__(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        super().__init__(request.user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if not password_matches(self.request, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class InvitationForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, email: str, *args, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        field = get_user_model()._meta.get_field("username")
        for validator in field.validators:
            validator(username)
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken; choose another one."), code="taken")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            user = get_user_model()(username=cleaned.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
