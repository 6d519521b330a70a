#!/usr/bin/env bash
# Creates the virtualenv .venv-sdk at the repository root with the Kubeflow
# SDK and its Podman extra (kubeflow[podman]==0.5.0), which the side-by-side
# tests use as the reference implementation. Does nothing when that version
# is already installed and imports. Writes nothing outside .venv-sdk (pip
# runs without its download cache), except that it installs Debian's venv
# module when Python lacks it.
#
# Environment:
#   PYTHON           interpreter for the virtualenv (default: python3)
#   PIP_INDEX_URL    package index (default: pip's own, PyPI)
#   PIP_FIND_LINKS   extra folder of wheels; ignored when it does not exist
set -euo pipefail

say() { printf 'setup-sdk: %s\n' "$*"; }
die() { printf 'setup-sdk: error: %s\n' "$*" >&2; exit 1; }

requirement='kubeflow[podman]==0.5.0'
wanted_version=0.5.0
root=$(cd "$(dirname "$0")/.." && pwd)
venv=$root/.venv-sdk
python=${PYTHON:-python3}

# Every import the tests rely on: the client, the container backend's
# configuration and runtime source types, and podman-py.
check_imports='
from kubeflow.trainer import TrainerClient, CustomTrainer, ContainerBackendConfig
from kubeflow.trainer.backends.container.types import TrainingRuntimeSource
import podman
'

installed_version() {
    "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("kubeflow"))' 2>/dev/null
}

if [ -x "$venv/bin/python" ] \
    && [ "$(installed_version || true)" = "$wanted_version" ] \
    && "$venv/bin/python" -c "$check_imports" 2>/dev/null; then
    say "$requirement already installed in $venv"
    exit 0
fi

command -v "$python" >/dev/null || die "'$python' not found; install python3 (Debian: apt-get install python3 python3-venv) or set PYTHON"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
    || die "$("$python" --version 2>&1) is too old; the Kubeflow SDK needs Python 3.9 or newer (set PYTHON)"

# Debian splits venv's pip bootstrap (ensurepip) into python3-venv.
if ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
    command -v apt-get >/dev/null || die "'$python' has no venv/ensurepip module; install it for your distribution"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    say "installing python3-venv (the venv module lacks ensurepip)"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi

# A folder that does not exist only makes pip warn on every call.
if [ -n "${PIP_FIND_LINKS:-}" ] && [ ! -d "$PIP_FIND_LINKS" ]; then
    say "ignoring PIP_FIND_LINKS=$PIP_FIND_LINKS (no such folder)"
    unset PIP_FIND_LINKS
fi

if [ -e "$venv" ]; then
    say "recreating $venv (it lacks $requirement or fails to import it)"
    rm -rf "$venv"
fi
say "creating $venv with $("$python" --version 2>&1)"
"$python" -m venv "$venv"

say "installing $requirement"
"$venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check "$requirement" \
    || die "pip failed to install $requirement; check network access to the package index (PIP_INDEX_URL)"

"$venv/bin/python" -c "$check_imports" || die "$requirement installed, but its imports fail (output above)"
say "ready: kubeflow $(installed_version) in $venv (use $venv/bin/python)"
