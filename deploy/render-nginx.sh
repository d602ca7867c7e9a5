#!/bin/sh
# Renders the nginx configuration templates of nginx/ into OUT_DIR.
#   render-nginx.sh OUT_DIR dev|site
# Values come from the environment (defaults for loopback use in brackets):
#   STATE_DIR [OUT_DIR]      pid, logs and temp folders (dev only)
#   LISTEN [127.0.0.1:8080]  address:port nginx listens on (dev only)
#   WWW_ROOT [repo/src/www]  the chat page's folder
#   STREAM_SOCKET, MESSAGES_SOCKET  the pools' Unix sockets
#   STREAM_SLOTS [64]        = the stream pool's --max-workers
#   STREAM_PER_IP [64]       open streams allowed per client address
#   POST_RATE [20] POST_BURST [40]   posts per second per address, and burst
#   WORKER_CONNECTIONS [4096]
#   MESSAGES_PER_IP [32]     requests to /api/messages in progress per client address
#                            (beyond: 429 too_many_connections); bounds slow-loris bodies
#   CLIENT_HEADER_TIMEOUT [10]  seconds to send the whole request head (then closed)
#   CLIENT_BODY_TIMEOUT [10]    seconds allowed between two reads of a body (then closed)
#   SEND_TIMEOUT [10]        seconds a client may stall reading a non-stream answer
#   CONF_DIR [OUT_DIR]       where the rendered files will live (for make install with DESTDIR)
#   CHAT_IDENTITY [none]     none: the workers authenticate (CHAT_AUTH=off|jwt);
#                            auth-request: nginx asks AUTH_URL (the site's auth
#                            service) and passes the identity it returns
#                            (CHAT_AUTH=trusted-header)
#   AUTH_URL                 with auth-request: http://host:port/path
#   SSL_CERTIFICATE [/etc/ssl/chat/fullchain.pem]  the site's certificate chain (site only)
#   SSL_CERTIFICATE_KEY [/etc/ssl/chat/privkey.pem] and its private key
#   METRICS_ALLOW [127.0.0.1 ::1]  addresses or CIDR ranges that may read /metrics
set -eu
out="$1"
kind="${2:-dev}"
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
STATE_DIR="${STATE_DIR:-$out}"
# As root, nginx's workers drop to an unprivileged user; the pools then give
# their sockets to that user's group (mode 0660), as in production.
if [ "$(id -u)" -eq 0 ]; then
  USER_DIRECTIVE="user ${NGINX_USER:-nobody} ${NGINX_GROUP:-nogroup};"
else
  USER_DIRECTIVE=""
fi
# The numeric parameters must be positive integers: anything else would
# render a configuration nginx refuses, or one that means something else.
for name in STREAM_SLOTS STREAM_PER_IP POST_RATE POST_BURST WORKER_CONNECTIONS MESSAGES_PER_IP \
            CLIENT_HEADER_TIMEOUT CLIENT_BODY_TIMEOUT SEND_TIMEOUT; do
  eval "value=\${$name:-1}"
  case "$value" in
    *[!0-9]*) value=0 ;;
  esac
  if [ "$value" -eq 0 ]; then
    eval "echo \"render-nginx: $name must be a positive integer, not '\${$name}'\"" >&2
    exit 2
  fi
done
METRICS_ALLOW_LINES=""
for address in ${METRICS_ALLOW:-127.0.0.1 ::1}; do
  case "$address" in
    *[!0-9A-Fa-f.:/]*|"")
      echo "render-nginx: METRICS_ALLOW must list IP addresses or CIDR ranges, not '$address'" >&2
      exit 2 ;;
  esac
  METRICS_ALLOW_LINES="$METRICS_ALLOW_LINES allow $address;"
done
render() {
  sed -e "s|@STATE_DIR@|${STATE_DIR}|g" \
      -e "s|@USER_DIRECTIVE@|${USER_DIRECTIVE}|g" \
      -e "s|@CONF_DIR@|${CONF_DIR:-$out}|g" \
      -e "s|@LISTEN@|${LISTEN:-127.0.0.1:8080}|g" \
      -e "s|@WWW_ROOT@|${WWW_ROOT:-$here/src/www}|g" \
      -e "s|@STREAM_SOCKET@|${STREAM_SOCKET:-$STATE_DIR/stream.sock}|g" \
      -e "s|@MESSAGES_SOCKET@|${MESSAGES_SOCKET:-$STATE_DIR/messages.sock}|g" \
      -e "s|@STREAM_SLOTS@|${STREAM_SLOTS:-64}|g" \
      -e "s|@STREAM_PER_IP@|${STREAM_PER_IP:-${STREAM_SLOTS:-64}}|g" \
      -e "s|@POST_RATE@|${POST_RATE:-20}|g" \
      -e "s|@POST_BURST@|${POST_BURST:-40}|g" \
      -e "s|@WORKER_CONNECTIONS@|${WORKER_CONNECTIONS:-4096}|g" \
      -e "s|@MESSAGES_PER_IP@|${MESSAGES_PER_IP:-32}|g" \
      -e "s|@CLIENT_HEADER_TIMEOUT@|${CLIENT_HEADER_TIMEOUT:-10}|g" \
      -e "s|@CLIENT_BODY_TIMEOUT@|${CLIENT_BODY_TIMEOUT:-10}|g" \
      -e "s|@SEND_TIMEOUT@|${SEND_TIMEOUT:-10}|g" \
      -e "s|@AUTH_URL@|${AUTH_URL:-}|g" \
      -e "s|@SSL_CERTIFICATE@|${SSL_CERTIFICATE:-/etc/ssl/chat/fullchain.pem}|g" \
      -e "s|@SSL_CERTIFICATE_KEY@|${SSL_CERTIFICATE_KEY:-/etc/ssl/chat/privkey.pem}|g" \
      -e "s|@METRICS_ALLOW@|${METRICS_ALLOW_LINES}|g" \
      "$1" > "$2"
  if grep -n '@[A-Z_]*@' "$2" >&2; then
    echo "render-nginx: unrendered placeholder in $2" >&2
    exit 1
  fi
}
render "$here/nginx/chat-http.conf.in" "$out/chat-http.conf"
render "$here/nginx/chat-locations.conf.in" "$out/chat-locations.conf"
cp "$here/nginx/fastcgi-chat.conf" "$out/fastcgi-chat.conf"
cp "$here/nginx/chat-identity-none.conf" "$out/chat-identity-none.conf"
case "${CHAT_IDENTITY:-none}" in
  none)
    cp "$here/nginx/chat-identity-none.conf" "$out/chat-identity.conf"
    echo "# CHAT_IDENTITY=none: no auth_request location" > "$out/chat-auth-location.conf"
    ;;
  auth-request)
    case "${AUTH_URL:-}" in
      http://*|https://*) ;;
      *) echo "render-nginx: CHAT_IDENTITY=auth-request needs AUTH_URL=http://host:port/path" >&2
         exit 2 ;;
    esac
    cp "$here/nginx/chat-identity-auth-request.conf" "$out/chat-identity.conf"
    render "$here/nginx/chat-auth-location-auth-request.conf.in" "$out/chat-auth-location.conf"
    ;;
  *) echo "render-nginx: CHAT_IDENTITY must be none or auth-request" >&2; exit 2 ;;
esac
case "$kind" in
  dev)  render "$here/nginx/nginx-dev.conf.in" "$out/nginx.conf" ;;
  site) render "$here/nginx/chat-site.conf.in" "$out/chat-site.conf" ;;
  *) echo "render-nginx: kind must be dev or site" >&2; exit 2 ;;
esac
