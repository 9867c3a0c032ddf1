# syntax=docker/dockerfile:1
# The API image: `shortener serve` (distributed mode in Kubernetes and docker-compose; embedded mode when
# DATABASE_URL and REDIS_URL are unset). Built from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t shortener-api .
# The build stage uses the same scripts as the README (scripts/install-deps.sh, scripts/build.sh).

FROM debian:bookworm-slim AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# CA certificates for npm's HTTPS downloads in install-deps.sh (the slim image has none).
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
# Dependencies first: this layer is reused until the install script or the npm lock file changes.
COPY scripts/install-deps.sh scripts/
COPY third_party/npm/package.json third_party/npm/package-lock.json third_party/npm/
RUN scripts/install-deps.sh run && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY scripts/build.sh scripts/
# Configure without the test suite (its GoogleTest is not in the run profile), then the README's build script.
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHORTENER_BUILD_TESTS=OFF \
 && scripts/build.sh \
 && strip build/shortener \
 && ldd build/shortener | awk '/=> \//{print $3}' | xargs -r realpath | xargs -r dpkg -S 2>/dev/null \
    | cut -d: -f1 | sort -u > build/runtime-packages.txt \
 && cat build/runtime-packages.txt

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
COPY --from=build /src/build/shortener /usr/local/bin/shortener
# The API needs the enrichment data only in embedded mode (its in-process worker); distributed mode enriches
# in the worker image.
ENV SHORTENER_LISTEN=0.0.0.0:8080 \
    SHORTENER_DATA_DIR=/var/lib/shortener \
    SHORTENER_LOG_LEVEL=info
USER 10001:10001
WORKDIR /var/lib/shortener
VOLUME ["/var/lib/shortener"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/shortener"]
CMD ["serve"]
