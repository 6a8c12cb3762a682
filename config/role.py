"""Choose the role's settings module: clinic instance or directory."""

import os

ROLES = {
    "clinic": "config.settings.clinic",
    "directory": "config.settings.directory",
}


def use_role_settings() -> None:
    """Point DJANGO_SETTINGS_MODULE at the role named by OPENRDV_ROLE.

    An explicit DJANGO_SETTINGS_MODULE always wins; OPENRDV_ROLE is the one
    documented switch for operators, and defaults to the clinic instance.
    """
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    role = os.environ.get("OPENRDV_ROLE", "clinic")
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = ROLES[role]
    except KeyError:
        raise SystemExit(f"OPENRDV_ROLE must be one of {', '.join(sorted(ROLES))}, not {role!r}") from None
