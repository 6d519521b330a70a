#!/usr/bin/env bash
# Installs and configures Podman on a Debian or Ubuntu host, then makes sure
# its REST API answers on a socket. Safe to run again: every step checks the
# current state first and reports only what it changed.
#
# Environment:
#   TRAINC_SOCKET  socket for the API service started here, a path or a
#                  unix:// URL (default: /run/podman/podman.sock as root,
#                  $XDG_RUNTIME_DIR/podman/podman.sock otherwise)
set -euo pipefail

say() { printf 'setup-podman: %s\n' "$*"; }
die() { printf 'setup-podman: error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
    default_socket=/run/podman/podman.sock
    conf_dir=/etc/containers
else
    command -v sudo >/dev/null || die "not root and sudo is missing; run as root or install sudo"
    SUDO="sudo"
    runtime_dir=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
    default_socket=$runtime_dir/podman/podman.sock
    conf_dir=${XDG_CONFIG_HOME:-$HOME/.config}/containers
fi
socket=${TRAINC_SOCKET:-$default_socket}
socket=${socket#unix://}

# 1. Packages. iptables is needed by netavark for every container on a
#    network; runc replaces crun, which fails on cgroup v1 hybrid hosts.
[ -r /etc/os-release ] || die "cannot read /etc/os-release; only Debian and Ubuntu are supported"
. /etc/os-release
case "${ID:-}:${ID_LIKE:-}" in
    debian:*|ubuntu:*|*:*debian*) ;;
    *) die "unsupported host '${PRETTY_NAME:-unknown}': this script installs Debian packages; install Podman, runc, netavark, aardvark-dns and iptables by hand" ;;
esac

packages=(podman runc netavark aardvark-dns iptables uidmap slirp4netns)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    say "packages already installed: ${packages[*]}"
fi
command -v podman >/dev/null || die "podman is still missing after the install; check apt's output above"

# 2. containers.conf: runc as the OCI runtime, and ulimits under the host's
#    hard limits (Podman's default RLIMIT_NOFILE of 1048576 is above what
#    some VMs allow, so every container would fail in setrlimit).
conf=$conf_dir/containers.conf
hard_nofile=$(ulimit -Hn)
want_runtime=runc
if ! command -v runc >/dev/null; then
    want_runtime=""
fi
needs_conf=0
if [ ! -f "$conf" ]; then
    needs_conf=1
elif ! grep -q '^# managed by trainc' "$conf"; then
    if grep -qE '^\s*runtime\s*=' "$conf" && grep -qE '^\s*default_ulimits\s*=' "$conf"; then
        say "$conf already sets runtime and default_ulimits; leaving it as it is"
    else
        die "$conf exists and is not managed by trainc; add '[engine] runtime = \"runc\"' and '[containers] default_ulimits = [\"nofile=1024:1024\", \"nproc=4096:4096\"]' to it by hand"
    fi
fi
nofile=1024
if [ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt "$nofile" ]; then
    nofile=$hard_nofile
fi
new_conf=$(cat <<CONF
# managed by trainc (scripts/setup-podman.sh); remove this line to keep your own edits
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]

[engine]
${want_runtime:+runtime = \"$want_runtime\"}
CONF
)
if [ "$needs_conf" -eq 1 ] || { grep -q '^# managed by trainc' "$conf" && [ "$(cat "$conf")" != "$new_conf" ]; }; then
    $SUDO mkdir -p "$conf_dir"
    printf '%s\n' "$new_conf" | $SUDO tee "$conf" >/dev/null
    say "wrote $conf (runtime ${want_runtime:-default}, nofile ${nofile})"
else
    say "$conf is already configured"
fi

# 3. The REST API service. No systemd user session is assumed, so the
#    service runs in the background with no idle timeout.
ping_socket() {
    command -v curl >/dev/null || return 1
    curl -fsS --max-time 3 --unix-socket "$1" http://d/_ping >/dev/null 2>&1
}
if [ -S "$socket" ] && { ping_socket "$socket" || podman --url "unix://$socket" info >/dev/null 2>&1; }; then
    say "Podman API already answers on unix://$socket"
else
    $SUDO mkdir -p "$(dirname "$socket")"
    rm -f "$socket" 2>/dev/null || $SUDO rm -f "$socket"
    log=${TMPDIR:-/tmp}/trainc-podman-service.log
    say "starting 'podman system service' on unix://$socket (log: $log)"
    nohup setsid podman system service --time=0 "unix://$socket" >"$log" 2>&1 </dev/null &
    for _ in $(seq 1 50); do
        if [ -S "$socket" ] && podman --url "unix://$socket" info >/dev/null 2>&1; then
            break
        fi
        sleep 0.2
    done
    podman --url "unix://$socket" info >/dev/null 2>&1 || die "the Podman API service did not come up on unix://$socket; see $log"
fi

version=$(podman --url "unix://$socket" version --format '{{.Server.Version}}' 2>/dev/null || echo unknown)
runtime=$(podman --url "unix://$socket" info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || echo unknown)
say "ready: Podman $version, OCI runtime $runtime, socket unix://$socket"
