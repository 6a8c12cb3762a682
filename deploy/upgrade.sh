#!/usr/bin/env bash
# Upgrade an OpenRDV server installed by deploy/install.sh to the code of this checkout, or leave it as it was:
#
#   deploy/upgrade.sh [--health-timeout SECONDS]
#
# 1. The web server and the worker stop (nginx answers 502 meanwhile), so no booking can fall between
#    the backup and a rollback. A backup is taken (manage.py backup: encrypted, in BACKUP_DIR, rotated
#    as every night's) and the running code, its virtualenv, the environment file, the units and the
#    nginx site are kept aside in /var/lib/openrdv/upgrade-previous.
# 2. install.sh runs with this server's own answers (role, name, certificate): new code, packages,
#    virtualenv, migrations, static files, units, nginx site; the services start again.
# 3. The health gate: within --health-timeout seconds (default 60) /healthz answers, /readyz reports the
#    database and Redis ok, and the worker runs. The role's lag checks are printed, not gated on: a
#    provider that is down is not the new code's fault.
# 4. If any step after the backup fails or the gate does not pass: the services stop, the previous code
#    and files come back, the database is dropped and restored from the backup, the services start, and
#    the gate is checked again. Exit 1 (rolled back, healthy) or 3 (rolled back, still unhealthy).
# Refusals (not installed here, not root, an upgrade already running) exit 2 and change nothing.
set -euo pipefail

refuse() {
  echo "upgrade.sh: $*" >&2
  exit 2
}
say() { echo "upgrade.sh: $*"; }

checkout=$(cd "$(dirname "$0")/.." && pwd)
health_timeout=60
while [ $# -gt 0 ]; do
  case "$1" in
    --health-timeout)
      health_timeout=${2:-}
      shift 2 || refuse "--health-timeout needs a number of seconds"
      [[ $health_timeout =~ ^[1-9][0-9]{0,3}$ ]] || refuse "--health-timeout takes 1 to 9999 seconds"
      ;;
    *) refuse "unknown argument '$1' (usage: $0 [--health-timeout SECONDS])" ;;
  esac
done

answers=/etc/openrdv/install.answers
[ -f "$answers" ] || refuse "OpenRDV is not installed here (no $answers): run deploy/install.sh first"
[ "$(id -u)" = 0 ] || refuse "run as root (it stops and starts the services and restores the database)"
[ "$checkout" != /opt/openrdv ] || refuse "run the upgrade from the new release's checkout, not from /opt/openrdv"
role=$(sed -n 's/^role=//p' "$answers")
domain=$(sed -n 's/^domain=//p' "$answers")
tls=$(sed -n 's/^tls=//p' "$answers")
envfile=/etc/openrdv/$role.env
previous=/var/lib/openrdv/upgrade-previous
log=/var/log/openrdv-upgrade.log

exec 9>/run/openrdv-upgrade.lock
flock -n 9 || refuse "another upgrade is running"

install_args=("$role" --domain "$domain")
email=$(sed -n 's/^DEFAULT_FROM_EMAIL=//p' "$envfile")
[ -n "$email" ] && install_args+=(--email "$email")
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
case $tls in
  self-signed) install_args+=(--self-signed) ;;
  operator) # install.sh copies them in place: hand it copies, not the files themselves
    cp "/etc/openrdv/tls/$domain.crt" "$scratch/certificate.pem"
    cp "/etc/openrdv/tls/$domain.key" "$scratch/key.pem"
    install_args+=(--certificate "$scratch/certificate.pem" --key "$scratch/key.pem")
    ;;
  certbot) ;;
  *) refuse "unknown certificate answer '$tls' in $answers" ;;
esac

systemd_running=false
[ -d /run/systemd/system ] && systemd_running=true
services=("openrdv-web@$role.service" "openrdv-worker@$role.service")

stop_services() {
  if $systemd_running; then
    systemctl stop "${services[@]}"
    return
  fi
  for name in web worker; do # started directly by install.sh (a chroot, a container)
    pidfile=/run/openrdv-$name.pid
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    rm -f "$pidfile"
  done
}

start_services() { # the services of the code now in /opt/openrdv, as install.sh starts them
  if $systemd_running; then
    systemctl daemon-reload
    systemctl start "${services[@]}"
    return
  fi
  for name in web worker; do
    command=$(sed -n 's/^ExecStart=//p' "/etc/systemd/system/openrdv-$name@.service" | sed 's/%%/%/g')
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    (exec setpriv --reuid=openrdv --regid=openrdv --init-groups -- /opt/openrdv/deploy/with-env.sh "$role" $command \
      >>"/var/log/openrdv-$name.log" 2>&1 9>&-) & # 9>&-: the lock is the upgrade's, not the services'
    echo $! >"/run/openrdv-$name.pid"
  done
}

worker_runs() {
  if $systemd_running; then
    systemctl is-active --quiet "openrdv-worker@$role.service"
  else
    [ -f /run/openrdv-worker.pid ] && kill -0 "$(cat /run/openrdv-worker.pid)" 2>/dev/null
  fi
}

healthy() { # the gate: liveness, the database and Redis ready, the worker running, within the timeout
  local deadline=$(($(date +%s) + health_timeout)) readiness
  while [ "$(date +%s)" -lt "$deadline" ]; do
    readiness=$(curl -sS --max-time 5 -H "Host: $domain" -H "X-Forwarded-Proto: https" \
      http://127.0.0.1:8001/readyz 2>/dev/null || true)
    if curl -fsS --max-time 5 -H "Host: $domain" -H "X-Forwarded-Proto: https" http://127.0.0.1:8001/healthz \
      >/dev/null 2>&1 && worker_runs &&
      python3 -c 'import json, sys; c = json.loads(sys.argv[1])["checks"]; sys.exit(not (c["database"] == c["redis"] == "ok"))' \
        "$readiness" 2>/dev/null; then
      say "healthy: $readiness"
      return 0
    fi
    sleep 2
  done
  say "not healthy after ${health_timeout} s (readiness: ${readiness:-no answer})"
  return 1
}

manage() { runuser -u openrdv -- /opt/openrdv/deploy/with-env.sh "$role" .venv/bin/python manage.py "$@"; }

# 1. Services stopped, a backup, the running release kept aside.
started=$(date +%s)
say "upgrading the $role of $domain to $(git -C "$checkout" describe --always --dirty 2>/dev/null || echo "this checkout")"
stop_services
if ! backup=$(manage backup 2>>"$log"); then
  start_services
  echo "upgrade.sh: the backup failed, nothing was changed (see $log); the services run again" >&2
  exit 1
fi
archive=$(echo "$backup" | sed -n 's/^Backup written: //p')
say "backup: $archive"
rm -rf "$previous"
mkdir -p "$previous/units"
rsync -a --delete /opt/openrdv/ "$previous/code/"
cp -p "$envfile" "$previous/env"
cp -p /etc/nginx/sites-available/openrdv "$previous/site"
cp -p /etc/systemd/system/openrdv-* "$previous/units/"

# 2. The new release, by install.sh with this server's answers.
failure=""
if ! "$checkout/deploy/install.sh" "${install_args[@]}" >>"$log" 2>&1 9>&-; then
  failure="install.sh failed (see $log)"
fi
# (install.sh starts the stopped services: `systemctl enable --now`, or directly without systemd.)

# 3. The health gate.
if [ -z "$failure" ] && healthy; then
  say "upgraded in $(($(date +%s) - started)) s; backup taken before: $archive"
  exit 0
fi
failure=${failure:-the new release is not healthy}

# 4. Roll back: the previous code and files, the database from the backup.
say "$failure: rolling back to the previous release and the backup $archive"
stop_services
rsync -a --delete "$previous/code/" /opt/openrdv/
install -m 0640 -o root -g openrdv "$previous/env" "$envfile"
cp -p "$previous/site" /etc/nginx/sites-available/openrdv
rm -f /etc/systemd/system/openrdv-*
cp -p "$previous/units/"* /etc/systemd/system/
if $systemd_running; then systemctl reload nginx; else nginx -s reload 2>/dev/null || true; fi
runuser -u postgres -- dropdb --force openrdv
runuser -u postgres -- createdb -O openrdv openrdv
if ! manage restore "$archive" --yes >>"$log" 2>&1; then
  echo "upgrade.sh: $failure, and the restore of $archive failed: see $log; the services are stopped" >&2
  exit 3
fi
start_services
if healthy; then
  echo "upgrade.sh: $failure; rolled back: the previous release runs on the data of $archive" >&2
  exit 1
fi
echo "upgrade.sh: $failure, and the previous release is not healthy after the rollback either: see $log" >&2
exit 3
