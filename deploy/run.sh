#!/bin/sh
# make run: the whole chat on http://127.0.0.1:${PORT:-8080}/ in the
# foreground: devmongod (unless MONGODB_URI is set; data kept in
# ${CHAT_STATE_DIR:-state}/db so history survives restarts), one pool per
# FastCGI program (PROGRAM --pool), and nginx with a configuration rendered into the state
# folder. Ctrl-C stops all of it.
set -eu
# libmongoc's /dev/shm counters are never read; without this a killed
# process's file makes a later one with the same pid warn on stderr.
export MONGOC_DISABLE_SHM=1
build="${1:-build}"
here=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in
  /*) bin="$build/bin" ;;
  *) bin="$here/$build/bin" ;;
esac
state="${CHAT_STATE_DIR:-$here/state}"
port="${PORT:-8080}"
mkdir -p "$state/db" "$state/run"
chmod 711 "$state" "$state/run"
run="$state/run"
pids=""

stop_all() {
  trap - INT TERM EXIT
  echo
  echo "make run: stopping"
  # nginx first (no new requests), then the pools (streams end cleanly), then the database.
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $pids; do wait "$pid" 2>/dev/null || true; done
  exit 0
}
trap stop_all INT TERM EXIT

if [ -z "${MONGODB_URI:-}" ]; then
  db_port="${DEVMONGOD_PORT:-27017}"
  "$bin/devmongod" --port "$db_port" --dbpath "$state/db" >"$run/devmongod.ready" 2>>"$state/devmongod.log" &
  pids="$! $pids"
  for _ in $(seq 1 100); do
    grep -q "listening" "$run/devmongod.ready" 2>/dev/null && break
    sleep 0.1
  done
  if ! grep -q "listening" "$run/devmongod.ready" 2>/dev/null; then
    echo "make run: devmongod did not start; see $state/devmongod.log" >&2
    tail -n 3 "$state/devmongod.log" >&2 || true
    exit 1
  fi
  MONGODB_URI="mongodb://127.0.0.1:$db_port/chat?replicaSet=rs0"
  export MONGODB_URI
  db_desc="devmongod on 127.0.0.1:$db_port (data in $state/db)"
else
  db_desc="MongoDB at \$MONGODB_URI"
fi

# Both programs' metrics (GET /metrics, from loopback only).
CHAT_METRICS_DIR="${CHAT_METRICS_DIR:-$run/metrics}"
export CHAT_METRICS_DIR
mkdir -p "$CHAT_METRICS_DIR"

group_opt=""
[ "$(id -u)" -eq 0 ] && group_opt="--socket-group nogroup"
stream_max="${STREAM_WORKERS:-64}"
# shellcheck disable=SC2086
"$bin/stream-messages" --pool --name stream --socket "$run/stream.sock" $group_opt --min-idle 4 \
  --max-workers "$stream_max" --status-file "$run/stream.status.json" 2>>"$state/stream.log" &
pids="$! $pids"
# shellcheck disable=SC2086
"$bin/messages" --pool --name messages --socket "$run/messages.sock" $group_opt --min-idle 2 \
  --max-workers "${MESSAGE_WORKERS:-8}" --status-file "$run/messages.status.json" \
  2>>"$state/messages.log" &
pids="$! $pids"

STATE_DIR="$run" LISTEN="127.0.0.1:$port" STREAM_SLOTS="$stream_max" \
  STREAM_SOCKET="$run/stream.sock" MESSAGES_SOCKET="$run/messages.sock" \
  sh "$here/deploy/render-nginx.sh" "$run/nginx" dev
# SCHED_BATCH like the pools and devmongod (see src/common/cpu_policy.h).
chrt --batch 0 nginx -p "$run" -c "$run/nginx/nginx.conf" -e "$state/nginx-error.log" &
pids="$! $pids"

sleep 0.5
for pid in $pids; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "make run: a component failed to start; logs are in $state/" >&2
    exit 1
  fi
done
cat <<EOT

  Chat is running:  http://127.0.0.1:$port/
    database        $db_desc
    stream workers  stream-messages --pool (up to $stream_max), status $run/stream.status.json
    post workers    messages --pool, status $run/messages.status.json
    nginx           127.0.0.1:$port, config $run/nginx/nginx.conf
    logs            $state/*.log
  Ctrl-C stops everything.

EOT
wait
