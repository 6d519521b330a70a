#!/bin/sh
# Benchmarks `trainc plan` (text and JSON) on generated 4, 64 and 1024 node
# specs with hyperfine, using the release binary.
#
# Usage: scripts/bench-plan.sh [TRAINC_BINARY]
#
# Builds target/release/trainc first unless TRAINC_BINARY is given.
# Prints hyperfine's summary per case and writes its JSON results to
# target/bench-plan/. Needs hyperfine (apt-get install hyperfine).
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
    hyperfine \
        --warmup 3 \
        --min-runs 20 \
        --style basic \
        --export-json "$output/plan-$nodes.json" \
        --command-name "plan text, $nodes nodes" "'$binary' plan '$spec' > /dev/null" \
        --command-name "plan json, $nodes nodes" "'$binary' plan --format json '$spec' > /dev/null"
done

echo "hyperfine results: $output/plan-*.json"
