#!/bin/sh
# Benchmarks `trainc plan` (text and JSON) on generated 4, 64 and 1024 node
# specs with hyperfine, using the release binary.
#
# Usage: scripts/bench-plan.sh [TRAINC_BINARY]
#
# Builds target/release/trainc first unless TRAINC_BINARY is given.
# Prints hyperfine's summary per case, then the medians, and writes the
# JSON results to target/bench-plan/. Needs hyperfine 1.13 or later
# (apt-get install hyperfine) and python3. Paths must not contain spaces,
# because --shell=none splits the command on whitespace.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
target_dir=${CARGO_TARGET_DIR:-$root/target}
output=$target_dir/bench-plan

if ! command -v hyperfine > /dev/null 2>&1; then
    echo "hyperfine not found; install it with: apt-get install hyperfine" >&2
    exit 2
fi

if [ "$#" -ge 1 ]; then
    binary=$1
else
    (cd "$root" && cargo build --release --quiet)
    binary=$target_dir/release/trainc
fi
if [ ! -x "$binary" ]; then
    echo "trainc binary not found at $binary; build it with: cargo build --release" >&2
    exit 2
fi

mkdir -p "$output"
specs=$output/specs
for nodes in 4 64 1024; do
    "$root/scripts/gen-bench-spec.sh" "$nodes" "$specs" > /dev/null
    # A spec that fails validation would only time the error path.
    if ! "$binary" validate "$specs/bench-$nodes.kdl" > /dev/null; then
        echo "generated spec $specs/bench-$nodes.kdl is invalid; see the report above" >&2
        exit 1
    fi
done

for nodes in 4 64 1024; do
    spec=$specs/bench-$nodes.kdl
    # --shell=none runs trainc directly, which hyperfine cannot do with a
    # shell in between for commands under 5 ms; output goes to /dev/null.
    hyperfine \
        --shell=none \
        --warmup 5 \
        --min-runs 50 \
        --style basic \
        --export-json "$output/plan-$nodes.json" \
        --command-name "plan text, $nodes nodes" "$binary plan $spec" \
        --command-name "plan json, $nodes nodes" "$binary plan --format json $spec"
done

# The targets are stated as medians, which hyperfine's summary lacks.
echo
echo "medians (ms):"
python3 - "$output" <<'PYTHON'
import json
import pathlib
import sys

for nodes in (4, 64, 1024):
    results = json.loads((pathlib.Path(sys.argv[1]) / f"plan-{nodes}.json").read_text())
    for result in results["results"]:
        print(f"  {result['command']:<24} median {result['median'] * 1000:7.2f}  min {result['min'] * 1000:7.2f}  runs {len(result['times'])}")
PYTHON
