#!/usr/bin/env bash
# with-env.sh ROLE COMMAND...: run COMMAND in /opt/openrdv with the role's environment files read
# as systemd's EnvironmentFile= reads them (KEY=value lines, no quoting), the operator's
# ROLE.local.env after install.sh's ROLE.env. install.sh and openrdv-manage use it as the
# service's user; without systemd (a chroot) install.sh runs the units' ExecStart lines with it.
set -euo pipefail
role=$1
shift
for file in "/etc/openrdv/$role.env" "/etc/openrdv/$role.local.env"; do
  [ -r "$file" ] || continue
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in "" | \#*) ;; *) export "${line?}" ;; esac
  done <"$file"
done
cd /opt/openrdv
exec "$@"
