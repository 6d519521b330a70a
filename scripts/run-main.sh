#!/usr/bin/env bash
# The main job: sets up Podman and the local images as test.sh does, builds
# trainc in release mode, prints the plan of examples/quickstart.kdl (the
# Kubeflow SDK guide's 2-node example) and applies it. Exits with trainc's
# exit code: 0 when the job completed, 1 when it failed, 2 for an invalid
# spec, 3 for an engine error, 130 when interrupted.
#
# Environment:
#   TRAINC_SOCKET  Podman API socket, a path or unix:// URL
#                  (default: /run/podman/podman.sock)
#   DEBIAN_MIRROR: passed to build-images.sh
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

ensure_root "$@"
trap print_summary EXIT
cd "$repo_root"

run_phase "check host" check_host

TRAINC_SOCKET=$(podman_socket_path)
export TRAINC_SOCKET
run_phase "scripts/setup-podman.sh" scripts/setup-podman.sh
export_podman_socket
# trainc's engine discovery reads CONTAINER_HOST before the default sockets.
export CONTAINER_HOST=$TRAINC_SOCKET
run_phase "scripts/build-images.sh" scripts/build-images.sh
run_phase "cargo build --release" cargo build --release --locked

trainc=${CARGO_TARGET_DIR:-$repo_root/target}/release/trainc
spec=examples/quickstart.kdl
run_phase "trainc plan $spec" "$trainc" plan "$spec"

# The job's own outcome decides the exit code, so apply runs outside
# run_phase's exit-on-failure; its time still goes into the table.
printf '\n==> trainc apply %s\n' "$spec"
apply_start=$EPOCHREALTIME
status=0
"$trainc" apply "$spec" || status=$?
phase_names+=("trainc apply $spec")
phase_times+=("$(elapsed_since "$apply_start")")
if [ "$status" -eq 0 ]; then
    phase_results+=("ok")
else
    phase_results+=("exit $status")
fi
exit "$status"
