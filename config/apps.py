"""Translated names for third-party apps in the admin (it showed "AXES", "OTP_TOTP", "Static devices").

Each subclass keeps its app's name and label (so migrations and permissions are
unchanged) and only names it, and its models, in the site's language.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticDefaultConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpDefaultConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts and lockouts")


class TotpConfig(TotpDefaultConfig):
    verbose_name = _("Authenticator apps")

    def ready(self):
        super().ready()
        model = self.get_model("TOTPDevice")
        model._meta.verbose_name, model._meta.verbose_name_plural = _("authenticator app"), _("authenticator apps")


class StaticConfig(StaticDefaultConfig):
    verbose_name = _("Recovery codes")

    def ready(self):
        super().ready()
        for name, singular, plural in (
            ("StaticDevice", _("recovery code list"), _("recovery code lists")),
            ("StaticToken", _("recovery code"), _("recovery codes")),
        ):
            model = self.get_model(name)
            model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural
