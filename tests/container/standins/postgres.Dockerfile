# syntax=docker/dockerfile:1
# Stand-in for postgres:15-bookworm (no container registry here): Debian's postgresql-15 on the same Debian base,
# with the upstream image's interface as far as docker-compose.yml uses it (POSTGRES_DB/USER/PASSWORD, PGDATA at
# /var/lib/postgresql/data, pg_isready). Test-only: tests/container/run.sh tags it with the upstream name.
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
# No "main" cluster from the package: the entrypoint runs initdb in the volume.
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && mkdir -p /etc/postgresql-common/createcluster.d \
 && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/no-main.conf \
 && apt-get update && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
 && install -d -o postgres -g postgres -m 2775 /var/run/postgresql
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
USER postgres
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK CMD ["pg_isready", "-q"]
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
