#!/usr/bin/env bash
# The production shape on one machine: several web processes (granian), two task
# workers and one scheduler, production settings, one PostgreSQL database. Any
# process can serve any request because sessions and the cache live in that
# database; the workers share its task queue (SELECT ... SKIP LOCKED) and the
# scheduler queues the periodic jobs (settings.PERIODIC_JOBS) into it.
#
#   createdb -h 127.0.0.1 -U postgres ecitizen_multi
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_multi \
#     scripts/run-multiprocess.sh [--check] [--no-seed] [PORT ...]
#
# Ports default to 8031 8032; WORKERS (default 2) and THREADS (default 4) set each
# web process's workers and threads per worker; SERVER=gunicorn runs gunicorn
# (gthread) instead of granian (see docs/adr/0012-serving-the-hot-pages.md); TASK_WORKERS (default 2) the number of `manage.py run_worker`
# processes. The script migrates the database, creates the cache table, collects
# static files into var/staticfiles, loads the demo data (unless --no-seed),
# starts one web process per port, the task workers and one `manage.py
# run_scheduler` (logs in var/). Without --check it serves until Ctrl-C (or
# until any process dies). With --check it shows that every process answers
# /api/health and / and that one session works on all of them (a citizen signs
# in on the first port and is known on the second; a caseworker gives the
# password on the first and the TOTP code on the second), that the scheduler's
# first runs were done by the workers, then stops the processes.
#
# All processes must share SECRET_KEY, FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY.
# They are taken from the environment when all three are set, otherwise from
# var/multiprocess.env, which is generated on first use. Delete that file when
# you drop the database: data encrypted under its keys cannot be read without it.
#
# Plain HTTP on 127.0.0.1 stands in for a TLS-terminating proxy, so
# SECURE_SSL_REDIRECT defaults to false here, and the check sends the
# X-Forwarded-Proto: https header that such a proxy adds.
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
seed=1
ports=()
for arg in "$@"; do
  case "$arg" in
    --check) check=1 ;;
    --no-seed) seed=0 ;;
    -h | --help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *[!0-9]* | '') echo "Unknown argument: $arg (see --help)" >&2; exit 2 ;;
    *) ports+=("$arg") ;;
  esac
done
[ ${#ports[@]} -gt 0 ] || ports=(8031 8032)

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) echo "Set DATABASE_URL=postgres://USER@HOST:PORT/NAME: several processes need PostgreSQL." >&2; exit 2 ;;
esac

PY=.venv/bin/python
server="${SERVER:-granian}"
case "$server" in
  granian | gunicorn) ;;
  *) echo "SERVER must be granian or gunicorn, not $server" >&2; exit 2 ;;
esac
if [ ! -x ".venv/bin/$server" ]; then
  echo "No .venv/bin/$server: run 'make install' first." >&2
  exit 2
fi

export DJANGO_SETTINGS_MODULE=config.settings.production
export DOTENV_DISABLED=1 # the development .env must not leak into these processes
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
# A trial on one machine has no real payment provider: the sandbox, switched on explicitly, with a
# callback secret of its own (production settings refuse the default one). Set both to use your own.
export PAYMENTS_SANDBOX_ENABLED="${PAYMENTS_SANDBOX_ENABLED:-true}"
export PAYMENT_PROVIDER="${PAYMENT_PROVIDER:-sandbox}"
export SANDBOX_CALLBACK_SECRET="${SANDBOX_CALLBACK_SECRET:-$(head -c 32 /dev/urandom | base64)}"
# Links sent out (emails, QR codes) point at the first process unless SITE_URL says otherwise.
export SITE_URL="${SITE_URL:-http://127.0.0.1:${ports[0]}}"

mkdir -p var
if [ -z "${SECRET_KEY:-}" ] || [ -z "${FIELD_ENCRYPTION_KEYS:-}" ] || [ -z "${BLIND_INDEX_KEY:-}" ]; then
  if [ ! -f var/multiprocess.env ]; then
    echo "Generating keys into var/multiprocess.env"
    (umask 077 && DJANGO_SETTINGS_MODULE=config.settings.test "$PY" manage.py generate_keys > var/multiprocess.env)
  fi
  # Not `source`: a Django SECRET_KEY may hold characters the shell would interpret.
  while IFS= read -r line; do
    [ -n "$line" ] && export "${line?}"
  done < var/multiprocess.env
fi

echo "== Preparing the database and static files"
"$PY" manage.py migrate --noinput
"$PY" manage.py createcachetable
"$PY" manage.py collectstatic --noinput -v 0
caseworker_secret=""
if [ "$seed" = 1 ]; then
  seed_output=$("$PY" manage.py seed_demo)
  echo "$seed_output"
  caseworker_secret=$(awk '$1 == "caseworker@council.example" {print $2}' <<< "$seed_output")
fi

pids=()
stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo "== Stopping the web processes, the task workers and the scheduler (PIDs ${pids[*]})"
    kill "${pids[@]}" 2> /dev/null || true
    wait "${pids[@]}" 2> /dev/null || true
  fi
}
trap stop EXIT INT TERM

echo "== Starting ${#ports[@]} $server processes"
for port in "${ports[@]}"; do
  if [ "$server" = granian ]; then
    # A worker that dies is started again by its granian process (--respawn-failed-workers).
    .venv/bin/granian --interface wsgi --workers "${WORKERS:-2}" --blocking-threads "${THREADS:-4}" \
      --host 127.0.0.1 --port "$port" --respawn-failed-workers --access-log \
      config.wsgi:application > "var/web-$port.log" 2>&1 &
  else
    .venv/bin/gunicorn config.wsgi:application --worker-class gthread \
      --workers "${WORKERS:-2}" --threads "${THREADS:-4}" --bind "127.0.0.1:$port" \
      --access-logfile - > "var/web-$port.log" 2>&1 &
  fi
  pids+=("$!")
  echo "port $port: PID $! (log var/web-$port.log)"
done

echo "== Starting ${TASK_WORKERS:-2} task workers and the scheduler"
for n in $(seq 1 "${TASK_WORKERS:-2}"); do
  "$PY" manage.py run_worker --queue-name '*' --no-reload --worker-id "$(hostname)-worker-$n" \
    > "var/worker-$n.log" 2>&1 &
  pids+=("$!")
  echo "task worker $n: PID $! (log var/worker-$n.log)"
done
"$PY" manage.py run_scheduler --no-reload > var/scheduler.log 2>&1 &
pids+=("$!")
echo "scheduler: PID $! (log var/scheduler.log)"

for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/api/health" && break
    sleep 0.2
  done
  for path in /api/health /; do
    echo "GET http://127.0.0.1:$port$path -> $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")"
  done
done

if [ "$check" = 0 ]; then
  echo "== Serving on ${ports[*]} until Ctrl-C"
  wait -n "${pids[@]}" || true
  exit 0
fi

echo "== The scheduler queued the periodic jobs and the workers ran them"
# "done" once the scheduler has queued runs and the workers have finished every one of them.
runs_check='from ecitizen.scheduler.selectors import run_counts
c = run_counts()
print("done" if c["queued"] == c["running"] == 0 and c["succeeded"] + c["failed"] else "waiting", c)'
for _ in $(seq 1 60); do
  runs=$("$PY" manage.py shell -v 0 -c "$runs_check")
  [ "${runs%% *}" = done ] && break
  sleep 1
done
echo "periodic job runs by status: ${runs#* }"
if [ "${runs%% *}" != done ]; then
  echo "FAIL: periodic job runs still waiting after 60 s (see var/worker-*.log, var/scheduler.log)" >&2
  exit 1
fi

if [ "$seed" = 0 ] || [ ${#ports[@]} -lt 2 ]; then
  echo "== Session check skipped (it needs the demo accounts and two ports)"
  exit 0
fi

echo "== One session, two processes"
"$PY" - "http://127.0.0.1:${ports[0]}" "http://127.0.0.1:${ports[1]}" "$caseworker_secret" << 'PYTHON'
"""Sign in on one process and carry on on another, with only the standard library."""

import base64
import hashlib
import hmac
import html
import json
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

first, second, totp_secret = sys.argv[1:4]
cookies: dict[str, str] = {}
failures = 0


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(base, path, form=None):
    """One request as the TLS proxy would pass it on; returns (status, Location, body)."""
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(form).encode() if form else None)
    request.add_header("X-Forwarded-Proto", "https")
    if form:
        request.add_header("Origin", base.replace("http://", "https://", 1))
    if cookies:
        # The cookies are Secure (__Host-): sent by hand, as a browser would over HTTPS.
        request.add_header("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()))
    try:
        response = opener.open(request)
    except urllib.error.HTTPError as error:
        response = error
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    return response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")


def csrf_token(body):
    return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1))


def totp_now(secret):
    if time.time() % 30 > 27:  # do not send a code that expires in flight
        time.sleep(30 - time.time() % 30 + 0.5)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def expect(label, status, wanted, detail=""):
    global failures
    ok = status == wanted
    failures += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {label} -> {status} {detail}".rstrip())


def sign_in(base, email):
    cookies.clear()
    _, _, body = call(base, "/accounts/login/")
    form = {"login": email, "password": "demo-pass-2026", "csrfmiddlewaretoken": csrf_token(body)}
    return call(base, "/accounts/login/", form)


status, location, _ = sign_in(first, "amina@example.org")
expect(f"citizen signs in on {first}", status, 302, location)
status, _, body = call(second, "/account/")
expect(f"same cookie, {second}/account/", status, 200, "(shows amina@example.org)" if "amina@example.org" in body else "")
status, _, body = call(second, "/api/me")
expect(f"same cookie, {second}/api/me", status, 200, json.loads(body).get("email", "") if status == 200 else "")

if totp_secret:
    status, location, _ = sign_in(first, "caseworker@council.example")
    expect(f"caseworker gives the password on {first}", status, 302, location)
    _, _, body = call(second, location)
    form = {"code": totp_now(totp_secret), "csrfmiddlewaretoken": csrf_token(body)}
    status, location, _ = call(second, "/accounts/2fa/authenticate/", form)
    expect(f"caseworker gives the TOTP code on {second}", status, 302, location)
    for base in (first, second):
        status, _, _ = call(base, "/staff/")
        expect(f"back office on {base}/staff/", status, 200)

sys.exit(1 if failures else 0)
PYTHON
echo "== Check passed"
