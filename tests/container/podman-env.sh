#!/usr/bin/env bash
# Sourced by tests/container/run.sh (and usable by hand): a podman of its own under STATE (run.sh: /var/cache/shortener/container-tier),
# set up for this kind of host (../shared/notes/containers.md):
#  - containers.conf: runc (crun refuses the hybrid cgroup layout), cgroupfs, the host's ulimits (podman's default
#    nofile 1048576 is refused), file events (no systemd);
#  - storage.conf and network_config_dir: images, containers, volumes and networks under STATE, never in
#    /var/lib/containers or /etc/cni/net.d;
#  - TMPDIR under STATE: buildah's cache mounts (ccache of the build stage) live there too.
#
#   source tests/container/podman-env.sh [STATE]; podman_env_setup
#   base_image_ensure      # debian:bookworm(-slim) made with mmdebstrap from the host's apt sources

podman_env_setup() {
  local state="$1"
  mkdir -p "$state/storage" "$state/run" "$state/tmp" "$state/networks"
  state="$(cd "$state" && pwd)"
  PODMAN_STATE="$state"
  cat >"$state/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = "$state/networks"
EOF
  cat >"$state/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$state/storage"
runroot = "$state/run"
EOF
  export CONTAINERS_CONF="$state/containers.conf" CONTAINERS_STORAGE_CONF="$state/storage.conf" TMPDIR="$state/tmp"
}

# The Debian base image, made once per STATE: mmdebstrap (minbase, the host's apt sources) and podman import,
# tagged as the names the Dockerfiles use (docker.io/library/debian:bookworm-slim), so `--pull=never` finds it.
base_image_ensure() {
  if podman image exists docker.io/library/debian:bookworm-slim; then return 0; fi
  local tar="$PODMAN_STATE/tmp/rootfs.tar" sources=()
  for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
    if [ -s "$f" ]; then sources+=("$f"); fi
  done
  # shellcheck disable=SC2016 # the hook's $1 is expanded by mmdebstrap's shell, not here
  # Slim as debian:bookworm-slim: no manuals, docs (but copyrights), locales or package lists; the dpkg excludes stay
  # in the image (/etc/dpkg/dpkg.cfg.d), so later `apt-get install`s in the Dockerfiles leave them out too.
  mmdebstrap --quiet --variant=minbase \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    bookworm "$tar" "${sources[@]}"
  podman import --quiet --change 'CMD ["bash"]' "$tar" localhost/debian:bookworm >/dev/null
  rm -f "$tar"
  podman tag localhost/debian:bookworm docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
}
