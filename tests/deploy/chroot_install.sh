#!/usr/bin/env bash
# End to end: deploy/install.sh clinic --self-signed inside a Debian 12 root, then HTTPS through its
# nginx, a booking, backup, drop, restore, then deploy/upgrade.sh: a broken release rolled back, a good one.
#
# The root comes from Debian's registry (debootstrap bookworm, with the packages install.sh asks
# for) and is built once into $CACHE/bookworm (~3 min); each run works on a fresh copy of it. The
# Python wheels are fetched once from PyPI into $CACHE/wheels and $CACHE/uv. The run itself is in
# a private network namespace (only its own loopback), so its PostgreSQL, Redis, nginx and
# gunicorn never meet the host's on 5432, 6379, 443 or 8001: pip and uv install offline from the
# cache (PIP_NO_INDEX, UV_OFFLINE, read by install.sh's pip and uv as is).
# systemd is not PID 1 in a chroot: install.sh sees it and starts the services directly (the
# units' ExecStart lines, through deploy/with-env.sh).
# Prints "install took N s" and "OK" at the end; any failure exits non-zero.
set -euo pipefail
checkout=$(cd "$(dirname "$0")/../.." && pwd)
cache=${OPENRDV_TEST_ROOT_CACHE:-/var/cache/openrdv-test-root}
work=${1:?usage: chroot_install.sh WORKDIR}
packages=python3-venv,python3-pip,postgresql,redis-server,nginx,make,rsync,openssl,curl,ca-certificates,procps

mkdir -p "$cache"
if [ ! -x "$cache/bookworm/usr/bin/python3" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  rm -rf "$cache/bookworm.tmp"
  debootstrap --variant=minbase --include="$packages" bookworm "$cache/bookworm.tmp" http://deb.debian.org/debian >/dev/null
  # Built beside this machine's own PostgreSQL, the root's cluster took the next free port.
  sed -i 's/^port = .*/port = 5432/' "$cache/bookworm.tmp"/etc/postgresql/*/main/postgresql.conf
  mv "$cache/bookworm.tmp" "$cache/bookworm"
fi
if [ ! -f "$cache/python.stamp" ] || [ "$(cat "$cache/python.stamp")" != "$(sha256sum <"$checkout/pyproject.toml")" ]; then
  # With the root's own Python (3.11.2: markers on the full version choose other wheels than elsewhere).
  rm -rf "$cache/wheels" "$cache/uv" "$cache/bookworm/cache"
  mkdir -p "$cache/bookworm/cache"
  cp "$checkout/pyproject.toml" "$cache/bookworm/cache/"
  cp /etc/resolv.conf "$cache/bookworm/etc/resolv.conf"
  # This machine's trust store, for the download only (the registries may be reached through a proxy).
  # (Debian's pip reads the system bundle only: it stands in for the root's own during the download.)
  bundle=$cache/bookworm/etc/ssl/certs/ca-certificates.crt
  cp "$bundle" "$cache/bookworm/cache/ca.crt.orig"
  cat /etc/ssl/certs/ca-certificates.crt /usr/local/share/ca-certificates/*.crt >"$bundle" 2>/dev/null || true
  status=0
  chroot "$cache/bookworm" env -i PATH=/usr/bin:/bin HOME=/root SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt /bin/sh -ec 'cd /cache; python3 -m venv venv; venv/bin/pip download --quiet --dest wheels uv
    venv/bin/pip install --quiet --no-index --find-links wheels uv
    venv/bin/uv pip install --quiet --cache-dir uv --python venv/bin/python -r pyproject.toml' || status=$?
  cp "$cache/bookworm/cache/ca.crt.orig" "$bundle"
  [ "$status" = 0 ] || exit "$status"
  mv "$cache/bookworm/cache/wheels" "$cache/bookworm/cache/uv" "$cache/"
  rm -rf "$cache/bookworm/cache"
  sha256sum <"$checkout/pyproject.toml" >"$cache/python.stamp"
fi

# From here on: a private network (its own loopback only) and private mounts.
if [ -z "${OPENRDV_IN_NETNS:-}" ]; then
  exec env OPENRDV_IN_NETNS=1 unshare --net --mount "$0" "$@"
fi
root=$work/root
rm -rf "$root"
cp -a "$cache/bookworm" "$root"
mkdir -p "$root/src" "$root/cache"
rsync -a --exclude /.git --exclude /.venv --exclude __pycache__ "$checkout/" "$root/src/"
cp -a "$cache/wheels" "$cache/uv" "$root/cache/"
cleanup() {
  chroot "$root" /bin/sh -c 'for f in /run/openrdv-*.pid; do [ -f "$f" ] && kill "$(cat "$f")"; done;
    nginx -s stop; redis-cli shutdown nosave; pg_ctlcluster --skip-systemctl-redirect 15 main stop' >/dev/null 2>&1 || true
  for mount in dev/pts dev sys proc; do umount -l "$root/$mount" 2>/dev/null || true; done
  # The copy is ~750 MB; --one-file-system never follows a mount that failed to go.
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"

inside() { chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  PIP_NO_INDEX=1 PIP_FIND_LINKS=/cache/wheels UV_OFFLINE=1 UV_CACHE_DIR=/cache/uv "$@"; }
ip link set lo up
started=$(date +%s)
inside /src/deploy/install.sh clinic --domain rdv.cabinet.lan --self-signed --email admin@cabinet.lan >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; exit 1; }
echo "install took $(($(date +%s) - started)) s"
grep -q "/workspace/" "$work/install.log" || { echo "no invitation link"; cat "$work/install.log"; exit 1; }
inside /src/deploy/install.sh clinic --domain rdv.cabinet.lan --self-signed --email admin@cabinet.lan >"$work/again.log" 2>&1 ||
  { cat "$work/again.log"; exit 1; }

echo "PHONE_VERIFICATION=false" >>"$root/etc/openrdv/clinic.local.env"
inside openrdv-manage seed_demo >/dev/null 2>&1
# gunicorn was started before the local setting: start it again through install.sh's own path.
inside /bin/sh -c 'kill "$(cat /run/openrdv-web.pid)"; rm /run/openrdv-web.pid'
sleep 1
inside /src/deploy/install.sh clinic --domain rdv.cabinet.lan --self-signed --email admin@cabinet.lan >>"$work/again.log" 2>&1

curl_in() { inside curl -sS --retry 20 --retry-delay 1 --retry-all-errors --cacert /etc/openrdv/tls/rdv.cabinet.lan.crt \
  --resolve rdv.cabinet.lan:443:127.0.0.1 "$@"; }
curl_in -o /tmp/home.html -w '%{http_code}\n' https://rdv.cabinet.lan/ | grep -qx 200 || { echo "no HTTPS answer"; exit 1; }
inside /bin/sh -c 'cat > /tmp/book.py' <<'EOF'
import json, subprocess, datetime
def curl(*args):
    return subprocess.run(["curl", "-sS", "--cacert", "/etc/openrdv/tls/rdv.cabinet.lan.crt", "--resolve",
                           "rdv.cabinet.lan:443:127.0.0.1", *args], check=True, capture_output=True, text=True).stdout
base = "https://rdv.cabinet.lan/api/v1"
practitioner = json.loads(curl(f"{base}/practitioners/"))[0]
reason = next(r for r in practitioner["visit_reasons"] if r["patients"] == "all")
today = datetime.date.today()
slots = json.loads(curl(f"{base}/slots/?practitioner={practitioner['id']}&visit_reason={reason['id']}"
                        f"&from={today + datetime.timedelta(days=7)}&to={today + datetime.timedelta(days=21)}"))["slots"]
body = {"practitioner": practitioner["id"], "visit_reason": reason["id"], "start": slots[0]["start"],
        "patient": {"first_name": "Lou", "last_name": "Test", "birth_date": "1990-01-01", "phone": "+33612349999"}}
print(curl("-o", "/dev/null", "-w", "%{http_code}", "-H", "Content-Type: application/json", "-d", json.dumps(body),
           f"{base}/appointments/"))
EOF
count() { inside runuser -u postgres -- psql -tAc "SELECT count(*) FROM clinic_instance_appointment" openrdv; }
before=$(count)
status=$(inside python3 /tmp/book.py)
[ "$status" = 201 ] || { echo "booking through nginx answered $status"; tail -50 "$root/var/log/openrdv-web.log"; exit 1; }
echo "HTTPS through nginx (curl --cacert) and a booking through nginx: 201"
booked=$((before + 1))
[ "$(count)" = "$booked" ] || { echo "the booking is not in the database"; exit 1; }

if [ -f "$root/opt/openrdv/config/operations/management/commands/restore.py" ]; then
  inside openrdv-manage backup >/dev/null
  archive=$(inside sh -c 'ls -t /var/backups/openrdv/* | head -n 1')
  inside /bin/sh -c 'kill "$(cat /run/openrdv-web.pid)" "$(cat /run/openrdv-worker.pid)"; rm /run/openrdv-*.pid'
  sleep 2
  inside runuser -u postgres -- dropdb --force openrdv
  inside runuser -u postgres -- createdb -O openrdv openrdv
  inside openrdv-manage restore "$archive" --yes >/dev/null
  [ "$(count)" = "$booked" ] || { echo "the booking did not survive backup, drop, restore"; exit 1; }
  echo "backup, drop, restore: the booking is still there"
else
  echo "manage.py restore is not in this checkout: backup/restore part not run"
fi

# Upgrades (deploy/upgrade.sh): a release whose web server cannot start is rolled back, data included;
# a good one lands. Each "release" is this checkout plus a migration that creates a table.
release() { # NAME: /NAME, a copy of /src with the probe migration
  rm -rf "$root/$1"
  cp -a "$root/src" "$root/$1"
  cat >"$root/$1/clinic_instance/migrations/0017_upgrade_probe.py" <<'PY'
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clinic_instance", "0016_visit_reason_english_name")]
    operations = [migrations.RunSQL("CREATE TABLE upgrade_probe (id integer)", migrations.RunSQL.noop)]
PY
}
probe() { inside runuser -u postgres -- psql -tAc "SELECT count(*) FROM pg_tables WHERE tablename = 'upgrade_probe'" openrdv; }
if [ -x "$root/src/deploy/upgrade.sh" ]; then
  release broken
  echo 'raise RuntimeError("a release whose web server cannot start")' >>"$root/broken/config/wsgi.py"
  status=0
  inside /broken/deploy/upgrade.sh --health-timeout 15 >"$work/upgrade-broken.log" 2>&1 || status=$?
  [ "$status" = 1 ] || { echo "the broken upgrade exited $status, not 1 (rolled back)"; cat "$work/upgrade-broken.log"; exit 1; }
  grep -q "rolled back" "$work/upgrade-broken.log" || { cat "$work/upgrade-broken.log"; exit 1; }
  [ "$(probe)" = 0 ] || { echo "the broken release's migration survived the rollback"; exit 1; }
  ! grep -q "cannot start" "$root/opt/openrdv/config/wsgi.py" || { echo "the broken code is still installed"; exit 1; }
  [ "$(count)" = "$booked" ] || { echo "the rollback lost or added appointments"; exit 1; }
  status=$(inside python3 /tmp/book.py)
  [ "$status" = 201 ] || { echo "after the rollback a booking answered $status"; exit 1; }
  booked=$((booked + 1))
  echo "a broken upgrade was rolled back: previous code, no new table, every booking kept, booking again: 201"

  release next
  inside /next/deploy/upgrade.sh --health-timeout 60 >"$work/upgrade-next.log" 2>&1 ||
    { echo "the good upgrade failed"; cat "$work/upgrade-next.log"; exit 1; }
  [ "$(probe)" = 1 ] || { echo "the good release's migration did not run"; exit 1; }
  [ "$(count)" = "$booked" ] || { echo "the upgrade lost or added appointments"; exit 1; }
  status=$(inside python3 /tmp/book.py)
  [ "$status" = 201 ] || { echo "after the upgrade a booking answered $status"; exit 1; }
  echo "a good upgrade landed: its migration ran, every booking kept, booking again: 201"
fi
echo OK
