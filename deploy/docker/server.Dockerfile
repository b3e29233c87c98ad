# Parley server image (API + /ws). Build from the repository root:
#   docker build -f deploy/docker/server.Dockerfile -t parley/server .
# Base images are build arguments whose defaults are the official tags (renovate.json pins their
# digests). CI overrides only these arguments to build on local stand-in images.
ARG NODE_IMAGE=node:24-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# ---------------------------------------------------------------------------------------------
# deps: every dependency the compiler needs. Only the manifests are copied, so a source change
# does not reinstall; the npm cache lives in a BuildKit cache mount, not in a layer.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
COPY packages/protocol/package.json packages/protocol/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --workspace packages/protocol --workspace apps/server --include-workspace-root

# ---------------------------------------------------------------------------------------------
# build: compile the protocol package and the server (tsc) to dist/.
FROM deps AS build
COPY tsconfig.base.json ./
COPY packages/protocol packages/protocol
COPY apps/server apps/server
RUN npm run build --workspace packages/protocol --workspace apps/server \
 && test -f apps/server/dist/main.js

# ---------------------------------------------------------------------------------------------
# prod: production dependencies of the server and the protocol package only, plus the compiled
# output. Source maps stay (readable stack traces); TypeScript sources, tests and declarations go.
FROM ${NODE_IMAGE} AS prod
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json .npmrc ./
COPY packages/protocol/package.json packages/protocol/
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --workspace packages/protocol --workspace apps/server \
 && rm -rf apps/web node_modules/@parley/web node_modules/.package-lock.json
COPY --from=build /app/packages/protocol/dist packages/protocol/dist
COPY --from=build /app/apps/server/dist apps/server/dist
# Trim what Node never loads at run time from dependencies: type declarations, source maps and
# docs (licence and notice files stay). Roughly halves node_modules (Sentry/OTel ship both).
RUN find packages/protocol/dist apps/server/dist \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '*.tsbuildinfo' -o -name '*.test.js' -o -name '*.test.js.map' \) -delete \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
      -o \( -iname '*.md' ! -iname 'licen[cs]e*' ! -iname 'notice*' ! -iname '*third*party*' \) \) -delete \
 && mkdir -p /data && chown 65532:65532 /data && chmod 0700 /data
# Shared libraries the native addons (e.g. @node-rs/argon2) link beyond what Node itself needs:
# copied from this Debian 12 stage so the runtime does not depend on what a distroless base
# happens to ship (the CI stand-in has only Node's own libraries; the official image has these
# same glibc 2.36 / gcc 12 files). Only small runtime libraries, never libc itself.
RUN set -eu; mkdir -p /runtime-libs; \
    find node_modules -name '*.node' -type f -exec ldd {} + 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | \
    while read -r lib; do \
      case "$(basename "$lib")" in \
        librt.so.*|libpthread.so.*|libdl.so.*|libgcc_s.so.*|libstdc++.so.*) \
          real=$(readlink -f "$lib"); dir=/runtime-libs/usr/lib/$(basename "$(dirname "$real")"); \
          mkdir -p "$dir"; cp -L "$lib" "$dir/$(basename "$lib")"; echo "runtime lib: $lib";; \
      esac; \
    done

# ---------------------------------------------------------------------------------------------
# runtime: distroless Node 24 (no shell, no package manager), non-root uid 65532.
FROM ${RUNTIME_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG GIT_COMMIT=unknown
ARG SOURCE_URL=https://github.com/parley-chat/parley
LABEL org.opencontainers.image.title="parley-server" \
      org.opencontainers.image.description="Parley self-hosted team chat: API and WebSocket server" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.url="${SOURCE_URL}" \
      org.opencontainers.image.documentation="${SOURCE_URL}/blob/main/docs/operations/docker.md" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.vendor="Parley"
# MALLOC_ARENA_MAX=2: glibc otherwise creates up to 8 malloc arenas per core for libuv's worker
# threads (argon2 hashing, zlib, fs), inflating RSS with fragmentation for no throughput gain.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464 \
    DATA_DIR=/data \
    WEB_DIST_DIR="" \
    MALLOC_ARENA_MAX=2 \
    RELEASE=${VERSION} \
    GIT_COMMIT=${GIT_COMMIT}
WORKDIR /app
COPY --from=prod --chown=0:0 /app /app
COPY --from=prod --chown=65532:65532 /data /data
COPY --from=prod --chown=0:0 /runtime-libs/ /
USER 65532:65532
EXPOSE 3000 9464
# Node is PID 1 (distroless has no init): the server installs SIGTERM/SIGINT handlers itself,
# drains, and exits 0 within SHUTDOWN_GRACE_MS. It spawns no child processes, so there are no
# zombies to reap. Use `docker run --init` / compose `init: true` if that ever changes.
STOPSIGNAL SIGTERM
# The health probe is Node itself (no curl/wget in the image): exits 0 when /health/ready is 200.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/nodejs/bin/node", "apps/server/dist/healthcheck.js"]
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["apps/server/dist/main.js", "serve"]
