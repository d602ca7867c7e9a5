#!/bin/sh
# make install into a scratch DESTDIR: every piece lands where the units and
# the nginx site expect it, the rendered site passes `nginx -t` (with a
# throw-away certificate in place of the real one) and the units parse.
set -eu
build="$1"
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$dest" cmake --install "$build" >/dev/null
root="$dest$prefix"
for f in sbin/chat-stream sbin/chat-messages sbin/chat-pool sbin/devmongod bin/chat-token share/chat/www/index.html \
         share/chat/nginx/chat-site.conf share/chat/nginx/chat-locations.conf \
         share/chat/nginx/chat-http.conf share/chat/nginx/fastcgi-chat.conf \
         share/chat/nginx/chat-identity.conf share/chat/nginx/chat-auth-location.conf \
         share/chat/nginx/chat-identity-none.conf \
         lib/systemd/system/chat-stream.service lib/systemd/system/chat-messages.service \
         lib/systemd/system/devmongod.service share/chat/chat.env.example \
         share/chat/systemd/nginx.service.d/chat-cpu-policy.conf \
         share/chat/prometheus/prometheus.yml share/chat/prometheus/chat-alerts.yml; do
  [ -e "$root/$f" ] || { echo "missing after install: $f"; exit 1; }
done
if grep -rn '@[A-Z_]*@' "$root/share/chat/nginx" "$root/lib/systemd/system"; then
  echo "unrendered placeholder"; exit 1
fi
grep -q "ExecStart=$prefix/sbin/chat-stream --pool .*--socket /run/chat/stream.sock" "$root/lib/systemd/system/chat-stream.service"
grep -q "server unix:/run/chat/stream.sock;" "$root/share/chat/nginx/chat-site.conf"
grep -qx "CPUSchedulingPolicy=batch" "$root/share/chat/systemd/nginx.service.d/chat-cpu-policy.conf"

# nginx -t on the production site: point its includes and certificate at the scratch tree.
conf="$dest/nginx"
mkdir -p "$conf"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=chat.example.org -days 1 \
  -keyout "$conf/key.pem" -out "$conf/cert.pem" >/dev/null 2>&1
for f in chat-site.conf chat-locations.conf chat-http.conf fastcgi-chat.conf chat-identity.conf \
         chat-auth-location.conf chat-identity-none.conf; do
  sed -e "s|$prefix/share/chat/nginx|$root/share/chat/nginx|g" \
      -e "s|/etc/ssl/chat/fullchain.pem|$conf/cert.pem|; s|/etc/ssl/chat/privkey.pem|$conf/key.pem|" \
      "$root/share/chat/nginx/$f" > "$conf/$f.tmp" && mv "$conf/$f.tmp" "$root/share/chat/nginx/$f"
done
cat > "$conf/nginx.conf" <<EOT
pid $conf/nginx.pid;
error_log $conf/error.log;
events {}
http {
  client_body_temp_path $conf/body;
  include $root/share/chat/nginx/chat-site.conf;
}
EOT
nginx -t -q -p "$conf" -c "$conf/nginx.conf" -e "$conf/error.log"
if command -v systemd-analyze >/dev/null 2>&1; then
  # Only syntax: the chat user and the binaries' final paths do not exist here.
  for unit in chat-stream chat-messages devmongod; do
    out=$(systemd-analyze verify "$root/lib/systemd/system/$unit.service" 2>&1 || true)
    if echo "$out" | grep -qiE 'unknown (key|section)|failed to parse|invalid'; then
      echo "$out"; exit 1
    fi
  done
fi
echo "install ok"
