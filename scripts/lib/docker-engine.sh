# shellcheck shell=bash
# A Docker engine and compose v2 for scripts/compose-smoke, on machines that may have neither.
#
# These build machines allow host networking only: an engine this script starts runs with no bridge
# (--bridge=none --iptables=false --ip-masq=false), on a socket of its own, and keeps its state in a data root made
# for it, which is deleted when it stops, so the machine is left as it was. An engine that already runs is used as it is.

DOCKER_ENGINE_ROOT=""
DOCKER_ENGINE_STARTED=""
DOCKER_ENGINE_POLICY=""

docker_engine_install() {
  if ! command -v dockerd >/dev/null; then
    echo "compose-smoke: installing the Docker engine (docker.io)"
    # The package would start its own engine, with the default bridge network these machines forbid: services may not
    # start while it installs (policy-rc.d, unless the machine has one of its own).
    # The file is removed right after, and by docker_engine_stop (the smoke's teardown) if the install is interrupted.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && DOCKER_ENGINE_POLICY=yes
    fi
    local status=0
    if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null \
           || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; }; }; then
      status=1
    fi
    docker_engine_remove_policy
    [ "$status" -eq 0 ] || { echo "compose-smoke: could not install docker.io" >&2; return 1; }
  fi
  if ! docker compose version >/dev/null 2>&1; then
    docker_engine_install_compose_v2
  fi
  docker compose version >/dev/null 2>&1 || { echo "compose-smoke: no docker compose v2" >&2; return 1; }
}

# Debian 12 has only compose v1; Debian 13's docker-compose (v2, a static binary needing libc6 >= 2.34) installs here.
docker_engine_install_compose_v2() {
  local work mirror opts
  work=$(mktemp -d)
  mirror=$(torch_host_mirror)
  echo "compose-smoke: installing docker compose v2 (Debian 13's docker-compose package)"
  echo "deb $mirror trixie main" >"$work/sources.list"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
  opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$work/lists"
        -o "Dir::Cache=$work/cache" -o Dir::State::Status=/dev/null -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update -q >/dev/null &&
    (cd "$work" && apt-get "${opts[@]}" download docker-compose >/dev/null) &&
    dpkg -i "$work"/docker-compose_*.deb >/dev/null
  local status=$?
  rm -rf "$work"
  return $status
}

docker_engine_start() {
  if docker info >/dev/null 2>&1; then
    echo "compose-smoke: using the Docker engine that is already running"
    return 0
  fi
  # A root of its own, never one named from outside (its teardown deletes it), and a socket of its own in it, so a second
  # smoke on the machine starts its own engine instead of sharing (and later stopping) this one.
  DOCKER_ENGINE_ROOT=$(mktemp -d /var/lib/pix2pix-smoke-docker.XXXXXX) || return 1
  echo "compose-smoke: starting a Docker engine (host networking only, data in $DOCKER_ENGINE_ROOT)"
  dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false -H "unix://$DOCKER_ENGINE_ROOT/docker.sock" \
    --data-root "$DOCKER_ENGINE_ROOT/data" --exec-root "$DOCKER_ENGINE_ROOT/exec" --pidfile "$DOCKER_ENGINE_ROOT/dockerd.pid" \
    >"$DOCKER_ENGINE_ROOT/dockerd.log" 2>&1 &
  DOCKER_ENGINE_STARTED=$!
  export DOCKER_HOST="unix://$DOCKER_ENGINE_ROOT/docker.sock"
  local i
  for i in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$DOCKER_ENGINE_STARTED" 2>/dev/null || break
    sleep 1
  done
  echo "compose-smoke: the Docker engine did not start; its log:" >&2
  tail -n 20 "$DOCKER_ENGINE_ROOT/dockerd.log" >&2
  return 1
}

# The policy-rc.d this script put in place while docker.io installed, if it did.
docker_engine_remove_policy() {
  [ -n "$DOCKER_ENGINE_POLICY" ] && rm -f /usr/sbin/policy-rc.d
  DOCKER_ENGINE_POLICY=""
}

# Stops the engine this script started and deletes its data root; an engine that was running before is left alone.
docker_engine_stop() {
  docker_engine_remove_policy
  [ -n "$DOCKER_ENGINE_STARTED" ] || return 0
  kill "$DOCKER_ENGINE_STARTED" 2>/dev/null
  local i
  for i in $(seq 1 30); do kill -0 "$DOCKER_ENGINE_STARTED" 2>/dev/null || break; sleep 1; done
  kill -9 "$DOCKER_ENGINE_STARTED" 2>/dev/null
  # containerd-shims and the engine's own containerd may outlive it by a moment (the root's name is this run's own).
  pkill -f "containerd.*$DOCKER_ENGINE_ROOT/" 2>/dev/null
  sleep 1
  grep -o " $DOCKER_ENGINE_ROOT/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
  rm -rf "$DOCKER_ENGINE_ROOT"
  unset DOCKER_HOST
  DOCKER_ENGINE_STARTED=""
}
