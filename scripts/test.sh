#!/usr/bin/env bash
# The project's test command. On a Debian or Ubuntu host (as root, or
# through sudo) it installs and configures everything the tests need, then
# builds and checks the crate and runs every test, the end-to-end tests
# against real Podman included:
#   1. scripts/setup-podman.sh   Podman, runc, netavark, the API socket
#   2. scripts/build-images.sh   the local torch and busybox images
#   3. scripts/setup-sdk.sh      the Kubeflow SDK in .venv-sdk
#   4. shellcheck (errors and warnings) on scripts/ and .ci/run
#   5. cargo build --release, cargo fmt --check, cargo clippy, cargo test
#      (--no-fail-fast, so every test binary runs even after a failure)
# Each step skips what is already in place, so the script is safe to re-run.
# A failing set-up step stops the run; the checks in step 4 and 5 all run
# even when one fails. It ends with a table of how long each phase took, and
# exits with the status of the first phase that failed.
#
# Environment:
#   TRAINC_SOCKET  Podman API socket, a path or unix:// URL
#                  (default: /run/podman/podman.sock). NOTE: the end-to-end
#                  tests use /run/podman/podman.sock whatever this says.
#   DEBIAN_MIRROR, PIP_INDEX_URL, PIP_FIND_LINKS, PYTHON: passed to the
#                  set-up scripts
set -euo pipefail

# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

ensure_root "$@"
trap print_summary EXIT
cd "$repo_root"

run_phase "check host" check_host
run_phase "check cargo components" check_cargo_components

TRAINC_SOCKET=$(podman_socket_path)
export TRAINC_SOCKET
run_phase "scripts/setup-podman.sh" scripts/setup-podman.sh
export_podman_socket
# The end-to-end tests pass the rootful socket to trainc with --host. Unit tests of
# engine discovery read CONTAINER_HOST and DOCKER_HOST, so values from the
# caller's shell must not reach them.
unset CONTAINER_HOST DOCKER_HOST
run_phase "scripts/build-images.sh" scripts/build-images.sh
run_phase "scripts/setup-sdk.sh" scripts/setup-sdk.sh

# shellcheck disable=SC2317 # run_check calls it through "$@".
lint_scripts() {
    if ! command -v shellcheck >/dev/null; then
        say "installing shellcheck"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null
    fi
    shellcheck --severity=warning --external-sources scripts/*.sh .ci/run
}
run_check "shellcheck scripts" lint_scripts

# The checks below do not depend on each other, so a failing one does not
# hide the others' results.
run_check "cargo build --release" cargo build --release --locked
run_check "cargo fmt --check" cargo fmt --check
run_check "cargo clippy --all-targets -- -D warnings" cargo clippy --locked --all-targets -- -D warnings
run_check "cargo test --all-targets" cargo test --locked --no-fail-fast --all-targets
finish_checks
