# syntax=docker/dockerfile:1
# The web UI (frontend/, Next.js static export) built by Debian's Node.js and served by Debian's nginx as a
# non-root user: Debian packages only, no other base image than debian:bookworm-slim.
#   podman build --format docker -f deploy/docker/frontend.Dockerfile --target frontend -t shortener-frontend .
# The API serves a UI too (SHORTENER_WEB_DIR, when frontend/out is there); this image exists so that the Ingress sends
# the static files to nginx replicas that scale apart from the API (k8s/base/frontend.yaml).

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive NEXT_TELEMETRY_DISABLED=1
# Node.js 18 from Debian (Next.js 14 needs 18.17 or later; bookworm has 18.19).
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY frontend/ ./
# `output: 'export'` writes the static site to frontend/out.
RUN npm run build && test -f out/index.html

FROM debian:bookworm-slim AS frontend
ENV DEBIAN_FRONTEND=noninteractive
# nginx-light and curl (the health check). nginx runs as uid 101 (as in k8s/base/frontend.yaml), keeps its pid and
# temp files under /tmp so the root filesystem can stay read-only, and logs to stdout/stderr.
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light curl \
 && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default /var/www/html \
 && groupadd --system --gid 101 nginx \
 && useradd --system --uid 101 --gid nginx --home-dir /nonexistent --shell /usr/sbin/nologin nginx \
 && sed -i -e 's|^pid .*|pid /tmp/nginx.pid;|' -e '/^user /d' /etc/nginx/nginx.conf \
 && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log \
 && install -d -o 101 -g 101 /usr/share/nginx/html /var/cache/nginx \
 && chown -R 101:101 /var/lib/nginx /var/log/nginx
COPY deploy/docker/nginx-frontend.conf /etc/nginx/conf.d/default.conf
COPY --from=build /src/frontend/out/ /usr/share/nginx/html/
USER 101:101
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
# SIGQUIT: nginx finishes the requests in hand, then exits (SIGTERM would drop them).
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
