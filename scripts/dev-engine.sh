#!/usr/bin/env bash
# Sets up what the end-to-end build tests need on a Debian machine, as root, from Debian's packages only:
# docker with BuildKit and buildx (from trixie on bookworm), podman, buildah, a registry on 127.0.0.1:5000, a minimal
# Debian base image (debian:bookworm, made with debootstrap) pushed to that registry, and a second docker context
# (mlrun-images-e2e) whose builder the tests name with --builder.
# Safe to run again: whatever is already there is left as it is.
set -euo pipefail

# `dev-engine.sh stop` stops what an earlier run started (CI does this when it ends).
STATE=${MLRUN_IMAGES_ENGINE_STATE:-/var/lib/mlrun-images}
REGISTRY=127.0.0.1:5000
BASE_IMAGE=$REGISTRY/debian:bookworm
STARTED=$STATE/started.pids
log() { printf 'dev-engine: %s\n' "$*"; }
fail() { printf 'dev-engine: %s\n' "$*" >&2; exit 1; }

# Every manifest type mlrun-images' registry client accepts (ACCEPTED_MANIFEST_TYPES in src/registry/client.ts; a test
# keeps the two equal). The registry is asked as the product and the tests ask it: docker 26 with the containerd image
# store pushes OCI manifests, which a registry refuses to a client that accepts docker's types only.
MANIFEST_TYPES='application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json'
# "STATUS MEDIA-TYPE DIGEST" of the base's manifest in the registry (STATUS 000: no registry answered).
base_in_registry() {
  curl -sS --max-time 10 -o /dev/null -w '%{http_code} %{content_type} %header{docker-content-digest}' \
    -H "Accept: $MANIFEST_TYPES" "http://$REGISTRY/v2/debian/manifests/bookworm" 2>/dev/null || true
}
registry_serves_base() {
  local status type _
  read -r status type _ <<<"$(base_in_registry)"
  [ "$status" = 200 ] && [[ ", $MANIFEST_TYPES, " == *", ${type%;}, "* ]]
}

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

# BuildKit's buildx and a daemon new enough for named build contexts (docker 26) are trixie packages; bookworm's
# docker 20.10 has neither. A trixie source pinned low lets exactly these packages come from trixie.
docker_major() { dockerd --version 2>/dev/null | sed -n 's/^Docker version \([0-9]*\).*/\1/p'; }
if [ "$(docker_major || true)" -lt 26 ] 2>/dev/null || ! command -v dockerd >/dev/null || [ ! -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then
  if [ ! -f /etc/apt/sources.list.d/trixie.sources ]; then
    cat >/etc/apt/sources.list.d/trixie.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    cat >/etc/apt/preferences.d/trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  if pgrep -x dockerd >/dev/null && ! grep -qs dockerd "$STARTED"; then
    echo "dev-engine: a dockerd older than 26 is running; stop it so docker can be upgraded from trixie" >&2
    exit 1
  fi
  log "installing docker.io, docker-cli and docker-buildx from trixie"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t trixie docker.io docker-cli docker-buildx >/dev/null
fi

# The containerd image store: BuildKit on docker's own builder can then export its cache to a registry
# (--cache-to type=registry), and the classic builder keeps working.
if ! grep -qs containerd-snapshotter /etc/docker/daemon.json; then
  if [ -s /etc/docker/daemon.json ] && [ "$(cat /etc/docker/daemon.json)" != "{}" ]; then
    echo "dev-engine: /etc/docker/daemon.json has settings; add \"features\": {\"containerd-snapshotter\": true} to it" >&2
    exit 1
  fi
  mkdir -p /etc/docker
  echo '{"features":{"containerd-snapshotter":true}}' >/etc/docker/daemon.json
  if pgrep -x dockerd >/dev/null; then
    echo "dev-engine: wrote /etc/docker/daemon.json; restart the running dockerd for it to take effect" >&2
    exit 1
  fi
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
elif registry_serves_base; then
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

# A second context on the same daemon: its builder (named after the context) is what --builder is tested with.
docker context inspect mlrun-images-e2e >/dev/null 2>&1 ||
  docker context create mlrun-images-e2e --docker host=unix:///var/run/docker.sock >/dev/null 2>&1

# Ready means ready: the registry serves the base as the product's client and the tests ask for it, docker holds that
# very image, and podman (whose storage buildah shares) pulls it.
read -r status type digest <<<"$(base_in_registry)"
registry_serves_base ||
  fail "the registry on $REGISTRY does not serve $BASE_IMAGE as any of $MANIFEST_TYPES: it answered ${status:-nothing}${type:+ ($type)}; see $STATE/registry.log"
docker image inspect --format '{{join .RepoDigests " "}}' "$BASE_IMAGE" | grep -qF "$REGISTRY/debian@$digest" ||
  fail "docker's $BASE_IMAGE is not the registry's ($digest): push it again with \`docker push $BASE_IMAGE\`"
podman pull --quiet --tls-verify=false "$BASE_IMAGE" >/dev/null 2>"$STATE/podman-pull.log" ||
  fail "podman cannot pull $BASE_IMAGE from the registry; see $STATE/podman-pull.log"
log "the registry serves $BASE_IMAGE as ${type%;} ($digest) to mlrun-images, docker and podman"

log "ready: docker $(docker version --format '{{.Server.Version}}') with buildx $(docker buildx version | cut -d' ' -f2), podman $(podman --version | cut -d' ' -f3), buildah $(buildah --version | cut -d' ' -f3), registry $REGISTRY, base $BASE_IMAGE"
