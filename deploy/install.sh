#!/usr/bin/env bash
# Install (or re-install, unchanged) OpenRDV on a Debian 12 server, from this checkout:
#
#   deploy/install.sh clinic|directory --domain rdv.example.fr [--email admin@example.fr]
#                     [--certificate CERT.pem --key KEY.pem | --self-signed] [--root DIR]
#
# Certificate: --certificate/--key (the operator's files), --self-signed (a LAN-only server: openssl
# makes one, valid 10 years), or neither: certbot (ACME) for a public name, which needs --email.
# Idempotent: a second run with the same answers keeps SECRET_KEY and the passphrases and changes
# nothing; a second run with other answers (role, domain, certificate) refuses, exit 2.
# --root DIR writes every file under DIR and only prints the commands that would change the system
# (packages, user, database, services): the tests use it; an operator can use it to read the plan.
# Without systemd as PID 1 (a chroot, a container) the services are started directly instead.
set -euo pipefail

usage() {
  echo "usage: $0 clinic|directory --domain NAME [--email ADMIN_EMAIL]" \
    "[--certificate CERT --key KEY | --self-signed] [--root DIR]" >&2
}
refuse() { # the operator's answers are wrong: say why, exit 2, change nothing
  echo "install.sh: $*" >&2
  exit 2
}

role="" domain="" email="" certificate="" key="" self_signed=false root=""
[ $# -gt 0 ] || { usage; refuse "missing role: clinic or directory"; }
case "$1" in
  clinic | directory) role=$1 ;;
  -*) usage; refuse "missing role: the first argument is clinic or directory" ;;
  *) usage; refuse "unknown role '$1': clinic or directory" ;;
esac
shift
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain=${2:-}; shift 2 || refuse "--domain needs a host name" ;;
    --email) email=${2:-}; shift 2 || refuse "--email needs an address" ;;
    --certificate) certificate=${2:-}; shift 2 || refuse "--certificate needs a file" ;;
    --key) key=${2:-}; shift 2 || refuse "--key needs a file" ;;
    --self-signed) self_signed=true; shift ;;
    --root) root=${2:-}; shift 2 || refuse "--root needs a folder" ;;
    *) usage; refuse "unknown argument '$1'" ;;
  esac
done

[ -n "$domain" ] || refuse "missing --domain: the server's host name, e.g. rdv.example.fr"
domain=${domain,,}
label='[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?'
if [ ${#domain} -gt 253 ] || ! [[ $domain =~ ^($label\.)*$label$ ]] || [[ $domain =~ \.[0-9]+$|^[0-9]+$ ]]; then
  refuse "'$domain' is not a host name (letters, digits and hyphens, labels separated by dots, e.g. rdv.example.fr)"
fi
if [ -n "$email" ] && ! [[ $email =~ ^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$ ]]; then
  refuse "'$email' is not an e-mail address"
fi
if [ -n "$certificate$key" ]; then
  [ -n "$certificate" ] && [ -n "$key" ] || refuse "--certificate and --key go together"
  $self_signed && refuse "--self-signed and --certificate exclude each other"
  [ -r "$certificate" ] || refuse "cannot read the certificate $certificate"
  [ -r "$key" ] || refuse "cannot read the key $key"
  tls=operator
elif $self_signed; then
  tls=self-signed
else
  tls=certbot
  [ -n "$email" ] || refuse "a certificate from certbot (no --certificate, no --self-signed) needs --email for the certificate authority"
fi

root=${root%/}
checkout=$(cd "$(dirname "$0")/.." && pwd)
dry_run=false
[ -n "$root" ] && dry_run=true
code=$root/opt/openrdv
etc=$root/etc/openrdv
state=$root/var/lib/openrdv
backups=$root/var/backups/openrdv
envfile=$etc/$role.env
answers=$etc/install.answers
site=$root/etc/nginx/sites-available/openrdv
units=$root/etc/systemd/system

# Commands that change the system; with --root they are only printed.
run() {
  if $dry_run; then echo "would run: $*"; else "$@"; fi
}
as_openrdv() { # a command in /opt/openrdv as the service's user, with the role's environment
  run runuser -u openrdv -- /opt/openrdv/deploy/with-env.sh "$role" "$@"
}

# 1. Same answers as the last run, or refuse before changing anything.
wanted="role=$role
domain=$domain
tls=$tls"
first_install=true
if [ -f "$answers" ]; then
  first_install=false
  previous=$(cat "$answers")
  if [ "$previous" != "$wanted" ]; then
    refuse "this server was installed with other answers ($(echo "$previous" | tr '\n' ' '))" \
      "than now ($(echo "$wanted" | tr '\n' ' ')). One role and one name per server: change $envfile and" \
      "the nginx site by hand, or remove $answers to install afresh (the keys and passphrases stay)."
  fi
fi
started=$(date +%s)

# 2. Debian's packages.
packages=(python3-venv postgresql redis-server nginx make rsync openssl)
[ "$tls" = certbot ] && packages+=(certbot python3-certbot-nginx)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
systemd_running=false
[ -d /run/systemd/system ] && ! $dry_run && systemd_running=true
start_store() { # PostgreSQL and Redis, through systemd or directly (a chroot, a container)
  if $systemd_running; then
    run systemctl enable --now postgresql redis-server
  elif ! $dry_run; then
    pg_isready -q || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    redis-cli ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379
    for _ in $(seq 30); do pg_isready -q && redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
  else
    echo "would run: start postgresql and redis-server"
  fi
}
start_store

# 3. The system user, its folders, the code and its virtualenv.
mkdir -p "$code" "$etc" "$state/federation-keys" "$state/static" "$state/acme" "$backups"
id openrdv >/dev/null 2>&1 || run adduser --system --group --home /var/lib/openrdv --no-create-home openrdv
run chown openrdv:openrdv "$state" "$state/federation-keys" "$state/static" "$backups"
chmod 0755 "$state" "$state/static"
chmod 0700 "$state/federation-keys" "$backups"
run rsync -a --delete --exclude /.git --exclude /.venv --exclude /staticfiles --exclude /var \
  --exclude __pycache__ "$checkout/" "$code/"
run python3 -m compileall -q "$code/config" "$code/clinic_instance" "$code/directory" "$code/federation" >/dev/null
stamp=$(sha256sum "$checkout/pyproject.toml" | cut -d' ' -f1)
if [ "$(cat "$code/.venv/.installed" 2>/dev/null)" != "$stamp" ]; then
  run python3 -m venv "$code/.venv"
  run "$code/.venv/bin/pip" install --quiet uv
  # Compiled now: the services may not write under /opt (ProtectSystem=strict), and compiling every
  # module at each start would double the time to the first answer.
  run "$code/.venv/bin/uv" pip install --quiet --compile-bytecode --python "$code/.venv/bin/python" -r "$code/pyproject.toml"
  if $dry_run; then mkdir -p "$code/.venv"; fi
  echo "$stamp" >"$code/.venv/.installed"
fi

# 4. Secrets (made once, kept on every later run) and the environment file.
secret() { # FILE: a random secret, made only if the file is missing; root:openrdv 0640
  if [ ! -s "$1" ]; then
    (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(48))' >"$1")
  fi
  run chown root:openrdv "$1"
  chmod 0640 "$1"
}
secret "$etc/secret-key"
secret "$etc/federation-passphrase"
secret "$etc/backup-passphrase"
new_env=$(mktemp)
trap 'rm -f "$new_env"' EXIT
cat >"$new_env" <<EOF
# Written by deploy/install.sh; a re-run rewrites it from the same answers. Local settings go in
# $role.local.env (read after this file), e.g. EMAIL_*, TWILIO_*, BACKUP_REMOTE.
OPENRDV_ROLE=$role
DEBUG=false
SECRET_KEY=$(cat "$etc/secret-key")
ALLOWED_HOSTS=$domain
CSRF_TRUSTED_ORIGINS=https://$domain
DATABASE_URL=postgres://openrdv@/openrdv
REDIS_URL=redis://127.0.0.1:6379/0
BEHIND_TLS_PROXY=true
TRUSTED_PROXIES=127.0.0.1,::1
TIME_ZONE=Europe/Paris
STATIC_ROOT=/var/lib/openrdv/static
OPENRDV_BASE_URL=https://$domain
OPENRDV_SERVER_NAME=$domain
FEDERATION_KEY_DIR=/var/lib/openrdv/federation-keys
FEDERATION_KEY_PASSPHRASE_FILE=/etc/openrdv/federation-passphrase
BACKUP_DIR=/var/backups/openrdv
BACKUP_PASSPHRASE_FILE=/etc/openrdv/backup-passphrase
OPENRDV_ENV_FILE=/etc/openrdv/$role.env
EOF
[ -n "$email" ] && echo "DEFAULT_FROM_EMAIL=$email" >>"$new_env"
if ! cmp -s "$new_env" "$envfile"; then
  install -m 0640 "$new_env" "$envfile"
fi
run chown root:openrdv "$envfile"
chmod 0640 "$envfile"
[ -f "$etc/$role.local.env" ] || install -m 0640 /dev/null "$etc/$role.local.env"
run chown root:openrdv "$etc/$role.local.env"
printf '%s\n' "$wanted" >"$answers"

# openrdv-manage CMD...: manage.py as the service's user with its environment (for the operator).
mkdir -p "$root/usr/local/bin"
printf '#!/bin/sh\n# Written by deploy/install.sh: manage.py of this server (%s), as the service'"'"'s user.\nexec runuser -u openrdv -- /opt/openrdv/deploy/with-env.sh %s .venv/bin/python manage.py "$@"\n' \
  "$role" "$role" >"$root/usr/local/bin/openrdv-manage"
chmod 0755 "$root/usr/local/bin/openrdv-manage"

# 5. The database, its role (peer authentication over the local socket), the schema, the static files.
if $dry_run; then
  echo "would run: create the PostgreSQL role and database openrdv if missing"
else
  psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
  [ -n "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'openrdv'")" ] ||
    runuser -u postgres -- createuser openrdv
  [ -n "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'openrdv'")" ] ||
    runuser -u postgres -- createdb -O openrdv openrdv
fi
as_openrdv .venv/bin/python manage.py migrate --noinput
as_openrdv .venv/bin/python manage.py collectstatic --noinput
as_openrdv .venv/bin/python manage.py federation_keys

# 6. TLS and the nginx site.
tls_dir=$etc/tls
case $tls in
  operator)
    mkdir -p "$tls_dir"
    install -m 0644 "$certificate" "$tls_dir/$domain.crt"
    install -m 0600 "$key" "$tls_dir/$domain.key"
    cert_path=/etc/openrdv/tls/$domain.crt key_path=/etc/openrdv/tls/$domain.key
    ;;
  self-signed)
    mkdir -p "$tls_dir"
    if [ ! -s "$tls_dir/$domain.crt" ]; then
      openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=$domain" -addext "subjectAltName=DNS:$domain" \
        -keyout "$tls_dir/$domain.key" -out "$tls_dir/$domain.crt" 2>/dev/null
      chmod 0600 "$tls_dir/$domain.key"
    fi
    cert_path=/etc/openrdv/tls/$domain.crt key_path=/etc/openrdv/tls/$domain.key
    ;;
  certbot)
    cert_path=/etc/letsencrypt/live/$domain/fullchain.pem key_path=/etc/letsencrypt/live/$domain/privkey.pem
    ;;
esac
render_site() { # CERT KEY
  sed -e "s|__DOMAIN__|$domain|g" -e "s|__CERTIFICATE__|$1|g" -e "s|__KEY__|$2|g" \
    -e "s|__STATIC_ROOT__|/var/lib/openrdv/static|g" "$checkout/deploy/nginx-openrdv.conf"
}
mkdir -p "$(dirname "$site")" "$root/etc/nginx/sites-enabled"
if [ "$tls" = certbot ] && [ ! -s "$root$cert_path" ]; then
  # First the challenge folder over HTTP (the site without its TLS block), then the certificate.
  render_site /nonexistent /nonexistent | awk '/^server \{/{n++} n<2' >"$site"
  ln -sfn ../sites-available/openrdv "$root/etc/nginx/sites-enabled/openrdv"
  rm -f "$root/etc/nginx/sites-enabled/default"
  run systemctl reload-or-restart nginx
  run certbot certonly --webroot -w /var/lib/openrdv/acme -d "$domain" --email "$email" --agree-tos -n \
    --deploy-hook "systemctl reload nginx"
fi
render_site "$cert_path" "$key_path" >"$site.new"
if cmp -s "$site.new" "$site"; then rm "$site.new"; else mv "$site.new" "$site"; fi
ln -sfn ../sites-available/openrdv "$root/etc/nginx/sites-enabled/openrdv"
rm -f "$root/etc/nginx/sites-enabled/default"
run nginx -t -q

# 7. The services: systemd's units, or (no systemd) their ExecStart lines run directly.
mkdir -p "$units"
for unit in "$checkout"/deploy/systemd/*; do
  cmp -s "$unit" "$units/$(basename "$unit")" || install -m 0644 "$unit" "$units/"
done
enabled=("openrdv-web@$role.service" "openrdv-worker@$role.service" "openrdv-backup@$role.timer")
[ "$role" = directory ] && enabled+=("openrdv-prune-search-words@$role.timer")
if $systemd_running; then
  systemctl daemon-reload
  systemctl enable --now "${enabled[@]}"
  systemctl try-restart "openrdv-web@$role.service" "openrdv-worker@$role.service"
  systemctl reload-or-restart nginx
elif $dry_run; then
  echo "would run: systemctl enable --now ${enabled[*]}; systemctl reload-or-restart nginx"
else
  echo "systemd is not running here (a chroot or a container): starting the services directly."
  for name in web worker; do
    pidfile=/run/openrdv-$name.pid
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then continue; fi
    command=$(sed -n 's/^ExecStart=//p' "$units/openrdv-$name@.service" | sed 's/%%/%/g')
    # shellcheck disable=SC2086 # the unit's command line, split as systemd splits it
    # exec all the way down: the pid file names gunicorn's (celery's) own process, which a TERM stops.
    (exec setpriv --reuid=openrdv --regid=openrdv --init-groups -- /opt/openrdv/deploy/with-env.sh "$role" $command \
      >>"/var/log/openrdv-$name.log" 2>&1) &
    echo $! >"$pidfile"
  done
  pgrep -x nginx >/dev/null && nginx -s reload || nginx
fi

echo "OpenRDV ($role) installed for https://$domain/ in $(($(date +%s) - started)) s."
# 8. The first administrator.
if ! $first_install; then
  echo "(A re-run: no new invitation. openrdv-manage invite_staff EMAIL prints one.)"
elif [ "$role" = clinic ] && [ -n "$email" ]; then
  echo "This link creates the clinic's first administrator (valid 7 days):"
  as_openrdv .venv/bin/python manage.py invite_staff "$email" --no-email
elif [ "$role" = clinic ]; then
  echo "Create the first administrator: openrdv-manage invite_staff you@clinic.example (prints the link)."
else
  echo "Create the first moderator: openrdv-manage createsuperuser (then https://$domain/admin/)."
fi
