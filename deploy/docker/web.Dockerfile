# Parley web image: the single-page app served by unprivileged nginx on 8080, which also proxies
# /api, /ws, /docs and /health to the server. Build from the repository root:
#   docker build -f deploy/docker/web.Dockerfile -t parley/web .
# Base images are build arguments whose defaults are the official tags (renovate.json pins digests).
ARG NODE_IMAGE=node:24-bookworm-slim
ARG NGINX_IMAGE=nginxinc/nginx-unprivileged:1.29-alpine

# ---------------------------------------------------------------------------------------------
# deps: manifests only, so a source change does not reinstall; npm cache in a BuildKit cache mount.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
COPY packages/protocol/package.json packages/protocol/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --workspace packages/protocol --workspace apps/web --include-workspace-root

# ---------------------------------------------------------------------------------------------
# build: compile the SPA (Vite writes hashed files under assets/) and precompress it.
FROM deps AS build
COPY tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY apps/web apps/web
COPY deploy/docker/precompress.mjs /usr/local/lib/parley/precompress.mjs
RUN npm run build --workspace packages/protocol \
 && npm run build --workspace apps/web \
 && test -f apps/web/dist/index.html \
 && find apps/web/dist -name '*.map' -delete \
 && rm -f apps/web/dist/bundle-report.json \
 && node /usr/local/lib/parley/precompress.mjs apps/web/dist
# Source maps and the bundle report stay out of the image: the release workflow uploads maps to
# Sentry from its own build, and nothing in the served tree should describe the source.

# ---------------------------------------------------------------------------------------------
# runtime: nginx as uid 101, pid and temp files in /tmp (read-only root filesystem compatible).
FROM ${NGINX_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG GIT_COMMIT=unknown
ARG SOURCE_URL=https://github.com/parley-chat/parley
LABEL org.opencontainers.image.title="parley-web" \
      org.opencontainers.image.description="Parley self-hosted team chat: web app (nginx) and same-origin proxy to the server" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.url="${SOURCE_URL}" \
      org.opencontainers.image.documentation="${SOURCE_URL}/blob/main/docs/operations/docker.md" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.vendor="Parley"
USER root
COPY --chown=0:0 deploy/docker/nginx/nginx.conf /etc/nginx/nginx.conf
COPY --chown=0:0 deploy/docker/nginx/default.conf /etc/nginx/conf.d/default.conf
COPY --chown=0:0 deploy/docker/nginx/upstream.conf /etc/nginx/conf.d/00-upstream.conf
COPY --chown=0:0 deploy/docker/nginx/security-headers.conf /etc/nginx/snippets/parley-security-headers.conf
COPY --chown=0:0 deploy/docker/nginx/proxy.conf /etc/nginx/snippets/parley-proxy.conf
COPY --chown=0:0 deploy/docker/nginx/brotli.conf /tmp/parley-brotli.conf
COPY --chown=0:0 deploy/docker/nginx/healthcheck.sh /usr/local/bin/parley-web-health
COPY --from=build --chown=0:0 /app/apps/web/dist /usr/share/parley/web
# Brotli: keep brotli_static only if this nginx understands it (the official image and Debian's
# nginx lack the module unless added); otherwise drop the .br files and serve gzip_static only.
# The upstream host `server` does not resolve at build time, so the check uses a copy of the
# configuration with the upstream pointed at 127.0.0.1.
RUN set -eu; \
    probe=/tmp/nginx-probe; mkdir -p "$probe"; cp -a /etc/nginx/. "$probe/"; \
    sed -i 's/server server:3000/server 127.0.0.1:3000/' "$probe/conf.d/00-upstream.conf"; \
    cp /tmp/parley-brotli.conf "$probe/snippets/parley-brotli.conf"; \
    if nginx -q -t -c "$probe/nginx.conf" 2>/dev/null; then \
      cp /tmp/parley-brotli.conf /etc/nginx/snippets/parley-brotli.conf; echo "brotli_static: enabled"; \
    else \
      echo "# brotli_static unavailable in this nginx build: gzip_static only" > /etc/nginx/snippets/parley-brotli.conf; \
      find /usr/share/parley/web -name '*.br' -delete; echo "brotli_static: not available, gzip only"; \
    fi; \
    cp /etc/nginx/snippets/parley-brotli.conf "$probe/snippets/parley-brotli.conf"; \
    nginx -t -c "$probe/nginx.conf"; \
    rm -rf "$probe" /tmp/parley-brotli.conf /tmp/nginx.pid /tmp/*_temp; \
    chmod 0755 /usr/local/bin/parley-web-health
USER 101
EXPOSE 8080
STOPSIGNAL SIGQUIT
# Asks nginx's own /nginx-health with what the base has: busybox wget (Alpine) or bash (Debian).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/parley-web-health"]
