# shellcheck shell=bash
# Helpers shared by test.sh and run-main.sh: the host check, the switch to
# root, the Podman socket settings and timed phases with a summary table.
# Callers set `set -euo pipefail` before sourcing this.

script_name=$(basename "$0" .sh)
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '%s: %s\n' "$script_name" "$*"; }
die() { printf '%s: error: %s\n' "$script_name" "$*" >&2; exit 1; }

# Re-runs the calling script as root through sudo. Rootful Podman's socket
# and debootstrap need root. The toolchain stays the invoking user's:
# PATH and RUSTUP_HOME are passed on, while CARGO_HOME falls back to root's
# so that the user's crate cache keeps its owner.
# NOTE: files that the root run writes under target/ and .venv-sdk/ are
# owned by root afterwards.
ensure_root() {
    [ "$(id -u)" -eq 0 ] && return
    command -v sudo >/dev/null || die "not root and sudo is missing; run this script as root"
    say "re-running as root through sudo (rootful Podman and debootstrap need root)"
    local passed=(
        "PATH=$PATH"
        "RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}"
    )
    local name
    for name in CARGO_TARGET_DIR TRAINC_SOCKET TRAINC_HOME DEBIAN_MIRROR PIP_INDEX_URL PIP_FIND_LINKS PYTHON CI EXAMPLE_TOKEN; do
        if [ -n "${!name:-}" ]; then
            passed+=("$name=${!name}")
        fi
    done
    exec sudo env "${passed[@]}" bash "$0" "$@"
}

# Fails unless this is a Debian or Ubuntu Linux host with apt-get and a Rust
# toolchain at least as new as the crate's rust-version.
check_host() {
    [ "$(uname -s)" = Linux ] \
        || die "unsupported host: $(uname -s); trainc's set-up scripts need Debian or Ubuntu Linux"
    [ -r /etc/os-release ] \
        || die "unsupported host: /etc/os-release is missing; trainc's set-up scripts need Debian or Ubuntu"
    local id id_like version pretty
    id=$(. /etc/os-release && printf '%s' "${ID:-}")
    id_like=$(. /etc/os-release && printf '%s' "${ID_LIKE:-}")
    version=$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")
    pretty=$(. /etc/os-release && printf '%s' "${PRETTY_NAME:-unknown}")
    local supported="use Debian 12 or Ubuntu 24.04 or newer"
    case "$id:$id_like" in
        debian:* | ubuntu:* | *:*debian* | *:*ubuntu*) ;;
        *) die "unsupported host '$pretty': the set-up installs Podman from Debian packages; $supported" ;;
    esac

    # Older releases lack netavark and aardvark-dns (Ubuntu 22.04 has
    # Podman 3.4 with CNI). Debian testing has no VERSION_ID and passes.
    local minimum=""
    case "$id" in
        debian) minimum=12 ;;
        ubuntu) minimum=24.04 ;;
    esac
    if [ -n "$minimum" ] && [ -n "$version" ] \
        && [ "$(printf '%s\n%s\n' "$minimum" "$version" | sort -V | head -n 1)" != "$minimum" ]; then
        die "unsupported host '$pretty': its Podman packages are too old for trainc; $supported"
    fi
    command -v apt-get >/dev/null || die "unsupported host '$pretty': apt-get is missing"

    command -v cargo >/dev/null \
        || die "cargo not found in PATH ($PATH); install Rust with rustup (https://rustup.rs), or pass PATH through sudo"
    local wanted have
    wanted=$(sed -n 's/^rust-version *= *"\([0-9.]*\)".*/\1/p' "$repo_root/Cargo.toml")
    have=$(rustc --version | awk '{ print $2 }')
    if [ -n "$wanted" ] && [ "$(printf '%s\n%s\n' "$wanted" "$have" | sort -V | head -n 1)" != "$wanted" ]; then
        die "rustc $have is older than the crate's rust-version $wanted; run 'rustup update stable'"
    fi
    say "host: $pretty, $(rustc --version)"
}

# Fails unless cargo's rustfmt and clippy are installed.
check_cargo_components() {
    cargo fmt --version >/dev/null 2>&1 || die "cargo fmt is missing; run 'rustup component add rustfmt'"
    cargo clippy --version >/dev/null 2>&1 || die "cargo clippy is missing; run 'rustup component add clippy'"
}

# The socket that setup-podman.sh serves the API on, as a path. TRAINC_SOCKET
# may be a path or a unix:// URL.
podman_socket_path() {
    local socket=${TRAINC_SOCKET:-/run/podman/podman.sock}
    printf '%s' "${socket#unix://}"
}

# Exports TRAINC_SOCKET as the unix:// URL of the socket that
# setup-podman.sh serves.
export_podman_socket() {
    TRAINC_SOCKET="unix://$(podman_socket_path)"
    export TRAINC_SOCKET
    say "TRAINC_SOCKET=$TRAINC_SOCKET"
}

phase_names=()
phase_times=()
phase_results=()
run_start=$EPOCHREALTIME

# Runs one phase: prints a header, runs the command, and records its wall
# time and result. Sets phase_status to the command's exit status instead of
# returning it, because a caller's `||` would turn errexit off inside.
phase_status=0
timed_phase() {
    local name=$1
    shift
    local number=$(( ${#phase_names[@]} + 1 ))
    printf '\n==> [%d] %s\n' "$number" "$name"

    # A subshell with errexit on, outside any `||`, so that a function's
    # failing step and its `die` both end the phase and nothing more.
    local start=$EPOCHREALTIME status
    set +e
    (
        set -e
        "$@"
    )
    status=$?
    set -e
    phase_status=$status

    phase_names+=("$name")
    phase_times+=("$(elapsed_since "$start")")
    if [ "$status" -eq 0 ]; then
        phase_results+=("ok")
    else
        phase_results+=("FAILED (exit $status)")
        say "phase '$name' failed with exit code $status"
    fi
}

# Runs a phase that later phases depend on: on failure the script exits with
# the command's status, and the EXIT trap prints the summary.
run_phase() {
    timed_phase "$@"
    if [ "$phase_status" -ne 0 ]; then
        exit "$phase_status"
    fi
}

# Runs an independent check: on failure the script goes on with the next
# phase, so one run reports every failing check. finish_checks exits with
# the status of the first one that failed.
first_failed_status=0
run_check() {
    timed_phase "$@"
    if [ "$phase_status" -ne 0 ] && [ "$first_failed_status" -eq 0 ]; then
        first_failed_status=$phase_status
    fi
}

finish_checks() {
    exit "$first_failed_status"
}

# Seconds since an EPOCHREALTIME value, with one decimal.
elapsed_since() {
    awk -v start="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - start }'
}

print_summary() {
    local status=$?
    printf '\n%-44s %10s  %s\n' "phase" "seconds" "result"
    local i
    for i in "${!phase_names[@]}"; do
        printf '%-44s %10s  %s\n' "${phase_names[$i]}" "${phase_times[$i]}" "${phase_results[$i]}"
    done
    printf '%-44s %10s  %s\n' "total" "$(elapsed_since "$run_start")" "$([ "$status" -eq 0 ] && echo ok || echo "FAILED (exit $status)")"
}
