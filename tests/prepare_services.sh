#!/usr/bin/env bash
# Start or prepare what the test suite needs, idempotently: PostgreSQL (role,
# database), Redis, and Debian's chromium for the browser tests.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
psql_admin() { psql -v ON_ERROR_STOP=1 -q -h 127.0.0.1 -U postgres -d postgres "$@"; }
if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'openrdv'")" ]; then
  psql_admin -c "CREATE ROLE openrdv LOGIN CREATEDB"
fi
if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'openrdv'")" ]; then
  psql_admin -c "CREATE DATABASE openrdv OWNER openrdv"
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

# chromium for the browser tests, nginx for the reverse-proxy tests (the shipped site file), rsync for backups.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/rsync ] || missing+=(rsync)  # the backups' remote copy (tests/operations)
[ -x /usr/bin/systemd-analyze ] || missing+=(systemd)  # systemd-analyze verify of the shipped units (tests/deploy)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
