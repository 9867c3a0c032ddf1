# syntax=docker/dockerfile:1
# Stand-ins for prom/prometheus:v2.53.0 and prom/pushgateway:v1.9.0 (no container registry here): Debian's
# prometheus (2.42) and prometheus-pushgateway (1.4) on the same Debian base, with the upstream entrypoints,
# working directories and users. Build one with --target prometheus or --target pushgateway.
FROM debian:bookworm-slim AS prometheus
ENV DEBIAN_FRONTEND=noninteractive
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update && apt-get install -y --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o nobody -g nogroup /prometheus /var/lib/prometheus/metrics2
# Debian's build defaults --storage.tsdb.path to /var/lib/prometheus/metrics2 (upstream: data/ in /prometheus), which
# docker-compose.yml's command keeps: both are writable by the image's user.
WORKDIR /prometheus
USER nobody
EXPOSE 9090
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]

FROM debian:bookworm-slim AS pushgateway
ENV DEBIAN_FRONTEND=noninteractive
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update && apt-get install -y --no-install-recommends prometheus-pushgateway \
 && rm -rf /var/lib/apt/lists/*
USER nobody
EXPOSE 9091
ENTRYPOINT ["/usr/bin/prometheus-pushgateway"]
