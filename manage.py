#!/usr/bin/env python
"""Django's command-line utility for OpenRDV (role from OPENRDV_ROLE)."""

import sys

from config.role import use_role_settings


def main() -> None:
    use_role_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
