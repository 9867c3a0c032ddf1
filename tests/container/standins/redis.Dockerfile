# syntax=docker/dockerfile:1
# Stand-in for redis:7-bookworm (no container registry here): Debian's redis-server 7 on the same Debian base, run
# like the upstream image (data in /data, `redis-server ARGS…` as the command, reachable from other containers).
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update && apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o redis -g redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
WORKDIR /data
USER redis
VOLUME ["/data"]
EXPOSE 6379
HEALTHCHECK CMD ["redis-cli", "ping"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["redis-server"]
