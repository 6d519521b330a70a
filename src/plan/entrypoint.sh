#!/bin/sh
# trainc node entrypoint, the same in every plan. It installs the job's
# Python packages, waits for the rendezvous master when asked to, then
# replaces itself with the node's command so that stop signals reach it.
# The spec's values arrive only as arguments, environment variables and
# files under TRAINC_DIR, never as part of this text.
set -u

trainc_dir="${TRAINC_DIR:-/opt/trainc}"
requirements="$trainc_dir/requirements.txt"

if [ -f "$requirements" ]; then
    echo "trainc: installing Python packages from $requirements"
    # A node container is disposable, so installing into the system Python
    # is intended; PEP 668 images would reject it without this variable.
    PIP_BREAK_SYSTEM_PACKAGES=1 PIP_ROOT_USER_ACTION=ignore \
        python3 -m pip install --no-cache-dir --disable-pip-version-check -r "$requirements"
    status=$?
    if [ "$status" -ne 0 ]; then
        echo "trainc: pip install failed with exit code $status (pip's output is above); check the job's packages and pip-index-url" >&2
        exit "$status"
    fi
fi

if [ "${TRAINC_WAIT_FOR_MASTER:-0}" = 1 ]; then
    echo "trainc: waiting for the rendezvous master at ${MASTER_ADDR:-?}:${MASTER_PORT:-?}"
    python3 - <<'PYTHON'
import os
import socket
import sys
import time

host = os.environ.get("MASTER_ADDR", "")
port_text = os.environ.get("MASTER_PORT", "")
timeout_text = os.environ.get("TRAINC_MASTER_TIMEOUT", "300")
if not host or not port_text.isdigit():
    print(f"trainc: MASTER_ADDR ({host!r}) or MASTER_PORT ({port_text!r}) is missing or invalid", file=sys.stderr)
    sys.exit(2)
if not timeout_text.isdigit():
    print(f"trainc: invalid TRAINC_MASTER_TIMEOUT {timeout_text!r}: expected whole seconds, such as 300", file=sys.stderr)
    sys.exit(2)

port = int(port_text)
timeout = int(timeout_text)
deadline = time.monotonic() + timeout
while True:
    try:
        socket.create_connection((host, port), timeout=1).close()
        sys.exit(0)
    except OSError as error:
        last_error = error
    if time.monotonic() >= deadline:
        print(f"trainc: timed out after {timeout} s waiting for the rendezvous master at {host}:{port} (last error: {last_error}); check that rank 0 started, or raise TRAINC_MASTER_TIMEOUT", file=sys.stderr)
        sys.exit(1)
    # Rank 0 listens within seconds, so a short step keeps this node from
    # starting late, which would hold every node at torchrun's exit barrier.
    time.sleep(0.1)
PYTHON
    status=$?
    if [ "$status" -ne 0 ]; then
        exit "$status"
    fi
fi

exec "$@"
