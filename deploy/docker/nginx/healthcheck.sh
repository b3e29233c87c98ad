#!/bin/sh
# Liveness probe of the web image: asks nginx's own /nginx-health with what the base ships, and
# installs nothing: the Alpine-based image (the default) has busybox wget but no bash; a Debian-based
# one (the CI stand-in, or NGINX_IMAGE=…-bookworm) has bash. Exit 0 only on a 200.
# PARLEY_WEB_HEALTH_PORT exists for the test (tests/docker/nginx.test.ts); the image listens on 8080.
port="${PARLEY_WEB_HEALTH_PORT:-8080}"
if command -v wget >/dev/null 2>&1; then
  exec wget -q -O /dev/null -T 2 "http://127.0.0.1:${port}/nginx-health"
fi
exec bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && printf "GET /nginx-health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3 && head -n 1 <&3 | grep -q " 200 "' probe "$port"
