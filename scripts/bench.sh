#!/usr/bin/env bash
# Runs the side-by-side benchmarks of trainc, the Kubeflow SDK 0.5.0 and the
# Podman CLI. They measure start-up overhead for 1 to 16 nodes, the SDK
# guide's 2-node example end to end, `trainc plan` for 4 to 1024 nodes, and
# the peak memory of `trainc apply` for 16 nodes. Prints a Markdown table, writes
# target/bench/results.json and, after a full run, rewrites the results
# section of docs/benchmarks.md.
#
# It creates only jobs, containers and networks named bench-*, and removes
# only those. Method and figures: docs/benchmarks.md.
#
# Usage: scripts/bench.sh [--quick] [--only startup|e2e|plan|memory] [--reps N]
#                         [--nodes 1,2,4] [--socket URL] [--no-docs] [--keep-scratch]
# (scripts/bench.sh --help lists every flag.)
#
# Environment:
#   TRAINC_SOCKET  Podman API socket URL (default unix:///run/podman/podman.sock)
set -euo pipefail

say() { printf 'bench: %s\n' "$*"; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

for arg in "$@"; do
    if [ "$arg" = "-h" ] || [ "$arg" = "--help" ]; then
        exec python3 bench/run.py --help
    fi
done

# The SDK side runs in its own virtualenv, which scripts/setup-sdk.sh
# creates when the repository has that script.
if [ -x scripts/setup-sdk.sh ] || [ -f scripts/setup-sdk.sh ]; then
    bash scripts/setup-sdk.sh
elif ! .venv-sdk/bin/python -c 'import kubeflow.trainer' 2>/dev/null; then
    say "creating .venv-sdk with kubeflow[podman]==0.5.0"
    python3 -m venv .venv-sdk
    .venv-sdk/bin/pip install --quiet --disable-pip-version-check "kubeflow[podman]==0.5.0" \
        || die "pip failed to install kubeflow[podman]==0.5.0; check access to the package index"
fi

command -v hyperfine >/dev/null || die "hyperfine is missing; install it (Debian: apt-get install hyperfine)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing; install it (Debian: apt-get install time)"

say "building the release binary (cargo build --release)"
cargo build --release --quiet --bin trainc || die "cargo build --release failed (output above)"

socket_args=()
if [ -n "${TRAINC_SOCKET:-}" ]; then
    socket_args=(--socket "$TRAINC_SOCKET")
fi
exec .venv-sdk/bin/python bench/run.py "${socket_args[@]}" "$@"
