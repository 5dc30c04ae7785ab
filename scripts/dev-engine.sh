#!/usr/bin/env bash
# Sets up what the end-to-end build tests need on a Debian machine, as root, from Debian's packages only:
# docker (dockerd), podman, buildah, a registry on 127.0.0.1:5000, and a minimal Debian base image
# (debian:bookworm, made with debootstrap) pushed to that registry.
# Safe to run again: whatever is already there is left as it is.
set -euo pipefail

# `dev-engine.sh stop` stops what an earlier run started (CI does this when it ends).
STATE=${MLRUN_IMAGES_ENGINE_STATE:-/var/lib/mlrun-images}
REGISTRY=127.0.0.1:5000
BASE_IMAGE=$REGISTRY/debian:bookworm
STARTED=$STATE/started.pids
log() { printf 'dev-engine: %s\n' "$*"; }

if [ "${1:-}" = stop ]; then
  if [ -f "$STARTED" ]; then
    # Only a process that is still the dockerd or registry this script started (a PID can be reused).
    stopping=()
    while read -r pid name; do
      if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && kill "$pid" 2>/dev/null; then stopping+=("$pid"); fi
    done <"$STARTED"
    # dockerd takes a few seconds to stop its containers and containerd; wait for it.
    for pid in "${stopping[@]}"; do
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    done
    rm -f "$STARTED"
    log "stopped what it had started"
  fi
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "dev-engine: run as root (it installs packages and starts dockerd)" >&2
  exit 2
fi

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v buildah >/dev/null || missing+=(buildah)
command -v podman >/dev/null || missing+=(podman)
command -v curl >/dev/null || missing+=(curl ca-certificates)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$STATE"

# podman raises the nofile and nproc limits of every container by default, and some machines (this kind of VM among
# them) refuse that: containers fail with "error setting rlimit type 6: operation not permitted". Limits under the
# machine's own are accepted.
if [ ! -f /etc/containers/containers.conf ] || ! grep -q default_ulimits /etc/containers/containers.conf; then
  mkdir -p /etc/containers
  cat >>/etc/containers/containers.conf <<'CONF'
# Written by mlrun-images scripts/dev-engine.sh: limits this machine accepts (podman's defaults are refused here).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: $STATE/dockerd.log)"
  nohup dockerd --host unix:///var/run/docker.sock </dev/null >"$STATE/dockerd.log" 2>&1 &
  echo "$! dockerd" >>"$STARTED"
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dev-engine: dockerd did not start; see $STATE/dockerd.log" >&2; exit 1; }
fi

if ! curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
  log "starting a registry on $REGISTRY (data: $STATE/registry)"
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY
YAML
  nohup docker-registry serve "$STATE/registry.yml" </dev/null >"$STATE/registry.log" 2>&1 &
  echo "$! docker-registry" >>"$STARTED"
  for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1 && break; sleep 1; done
  curl -fsS "http://$REGISTRY/v2/" >/dev/null || { echo "dev-engine: the registry did not start; see $STATE/registry.log" >&2; exit 1; }
fi

# The engine and the registry must hold the same base image (tests compare its digests): push the engine's, pull the
# registry's, or make one.
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  docker push "$BASE_IMAGE" >/dev/null
elif curl -fsS -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$REGISTRY/v2/debian/manifests/bookworm" 2>/dev/null; then
  docker pull "$BASE_IMAGE" >/dev/null
else
  if [ ! -x "$STATE/rootfs/bin/sh" ]; then
    log "making a minimal Debian bookworm with debootstrap (a few minutes)"
    rm -rf "$STATE/rootfs"
    debootstrap --variant=minbase bookworm "$STATE/rootfs" >"$STATE/debootstrap.log" 2>&1 ||
      { echo "dev-engine: debootstrap failed; see $STATE/debootstrap.log" >&2; exit 1; }
  fi
  log "importing it as $BASE_IMAGE and pushing it"
  tar -C "$STATE/rootfs" -c . | docker import - "$BASE_IMAGE" >/dev/null
  docker push "$BASE_IMAGE" >/dev/null
fi

log "ready: docker $(docker version --format '{{.Server.Version}}'), registry $REGISTRY, base $BASE_IMAGE"
