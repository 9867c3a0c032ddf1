# syntax=docker/dockerfile:1
# The web UI (frontend/, Next.js static export) built by Node.js and served by nginx as a non-root user.
#   docker build -f deploy/docker/frontend.Dockerfile -t shortener-frontend .

FROM node:20-bookworm-slim AS build
ENV NEXT_TELEMETRY_DISABLED=1
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
# `output: 'export'` writes the static site to frontend/out.
RUN npm run build && test -f out/index.html

FROM nginx:1.26-bookworm AS runtime
COPY deploy/docker/nginx-frontend.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/frontend/out/ /usr/share/nginx/html/
# nginx writes its pid and temp files under /tmp, so the root filesystem can stay read-only. curl serves the
# health check (installed only if the base image lacks it).
RUN (command -v curl >/dev/null || (apt-get update && apt-get install -y --no-install-recommends curl \
      && rm -rf /var/lib/apt/lists/*)) \
 && sed -i -e 's|^pid .*|pid /tmp/nginx.pid;|' -e '/^user /d' /etc/nginx/nginx.conf \
 && chown -R 101:101 /var/cache/nginx /usr/share/nginx/html
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
STOPSIGNAL SIGQUIT
