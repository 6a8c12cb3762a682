"""Work in progress."""

from .auth_views import _todo

account = change_password = replace_authenticator = new_recovery_codes = sign_out_elsewhere = _todo
