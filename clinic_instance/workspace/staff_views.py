"""Work in progress."""

from .auth_views import _todo

staff_list = invite = revoke_invite = edit_member = _todo
