"""Side-by-side benchmarks of trainc, the Kubeflow SDK 0.5.0 and the Podman CLI.

Run it through scripts/bench.sh, which prepares the SDK virtualenv and the
release build first. This driver measures, prints a
Markdown table, writes target/bench/results.json and, after a run of every
section, rewrites the results section of docs/benchmarks.md.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import common
import e2e
import memory
import plan
import report
import startup

SECTIONS = ("startup", "e2e", "plan", "memory")
RUNNERS = {"startup": startup.run, "e2e": e2e.run, "plan": plan.run, "memory": memory.run}
RESULTS_START = "<!-- results:start -->"
RESULTS_END = "<!-- results:end -->"


def parse_args(argv):
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(prog="scripts/bench.sh", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="2 repetitions of each start-up size, 1 at 16 nodes, 1 end to end, 1 memory run, 20 plan runs")
    parser.add_argument("--only", action="append", metavar="SECTION",
                        help="run only these sections (startup, e2e, plan, memory); repeat or separate with commas")
    parser.add_argument("--reps", type=int, metavar="N",
                        help="repetitions of each start-up size and of the end-to-end run (default 5 and 3)")
    parser.add_argument("--nodes", metavar="LIST", default="1,2,4,8,16",
                        help="start-up node counts, comma-separated (default 1,2,4,8,16)")
    parser.add_argument("--socket", default="unix:///run/podman/podman.sock", help="Podman API socket URL")
    parser.add_argument("--trainc", type=Path, default=repo / "target" / "release" / "trainc", help="trainc binary")
    parser.add_argument("--sdk-python", type=Path, default=repo / ".venv-sdk" / "bin" / "python",
                        help="Python of the virtualenv with kubeflow[podman]==0.5.0")
    parser.add_argument("--results", type=Path, default=repo / "target" / "bench" / "results.json",
                        help="machine-readable results file")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--keep-scratch", action="store_true", help="keep the scratch folder with specs and logs")
    args = parser.parse_args(argv)
    args.repo = repo

    only = []
    for item in args.only or []:
        only += [part.strip() for part in item.split(",") if part.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)} in --only; choose from {', '.join(SECTIONS)}")
    args.sections = [section for section in SECTIONS if section in only] if only else list(SECTIONS)

    try:
        args.node_counts = [int(part) for part in args.nodes.split(",")]
    except ValueError:
        parser.error(f"invalid --nodes '{args.nodes}': expected comma-separated whole numbers such as 1,2,4")
    if any(count < 1 for count in args.node_counts):
        parser.error(f"invalid --nodes '{args.nodes}': every node count must be at least 1")
    if args.reps is not None and args.reps < 1:
        parser.error(f"invalid --reps {args.reps}: expected at least 1")
    return args


def build_settings(args, scratch):
    quick = args.quick
    startup_reps = args.reps or (2 if quick else 5)
    return common.Settings(
        repo=args.repo,
        trainc=args.trainc.resolve(),
        sdk_python=args.sdk_python,
        socket=args.socket,
        scratch=scratch,
        startup_nodes=args.node_counts,
        startup_reps=startup_reps,
        startup_reps_16=min(startup_reps, 1 if quick else 3),
        e2e_reps=args.reps or (1 if quick else 3),
        memory_reps=1 if quick else 3,
        plan_runs=20 if quick else 100,
    )


def check_tools(settings, sections):
    """Return every missing tool or image the chosen sections need, as messages."""
    problems = []
    if not os.access(settings.trainc, os.X_OK):
        problems.append(f"trainc binary not found at {settings.trainc}; build it with `cargo build --release` or pass --trainc")
    if ("startup" in sections or "e2e" in sections) and not os.access(settings.sdk_python, os.X_OK):
        problems.append(f"SDK virtualenv Python not found at {settings.sdk_python}; run scripts/setup-sdk.sh")
    if "plan" in sections and not shutil.which("hyperfine"):
        problems.append("hyperfine not found; install it (Debian: apt-get install hyperfine)")
    if "memory" in sections and not os.access("/usr/bin/time", os.X_OK):
        problems.append("/usr/bin/time not found; install it (Debian: apt-get install time)")
    if "plan" not in sections or len(sections) > 1:
        try:
            settings.engine.version()
        except common.podman_api.PodmanError as error:
            problems.append(f"Podman API not reachable: {error}; start it with scripts/setup-podman.sh")
            return problems
        if not settings.engine.image_exists(common.TORCH_IMAGE):
            problems.append(f"image {common.TORCH_IMAGE} not found on {settings.socket}; build it with scripts/build-images.sh")
    return problems


def describe_machine(settings):
    def output(args):
        try:
            return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "unknown"

    memory_total = "unknown"
    for line in output(["free", "-h"]).splitlines():
        if line.startswith("Mem:"):
            memory_total = line.split()[1]
    cpu_model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    try:
        podman_version = settings.engine.version().get("Version", "unknown")
    except common.podman_api.PodmanError:
        podman_version = "unreachable"
    sdk_version = output([settings.sdk_python, "-c", "import importlib.metadata as m; print(m.version('kubeflow'))"])
    machine = {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory": memory_total,
        "kernel": platform.release(),
        "podman": podman_version,
        "oci_runtime": output(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"]),
        "trainc": output([settings.trainc, "--version"]),
        "trainc_commit": output(["git", "-C", str(settings.repo), "rev-parse", "--short", "HEAD"]),
        "kubeflow_sdk": sdk_version,
        "python": platform.python_version(),
    }
    machine["summary"] = (
        f"{machine['nproc']} cores ({cpu_model}), {memory_total} RAM, Linux {machine['kernel']}, "
        f"Podman {podman_version} with {machine['oci_runtime']}, {machine['trainc']} at {machine['trainc_commit']}, "
        f"kubeflow {sdk_version} on Python {machine['python']}"
    )
    return machine


def time_engine_calls(settings):
    """Time the API calls that clients make before any work, for explaining fixed start-up costs."""
    engine = settings.engine
    return {
        "ping_ms": engine.time_request("/_ping", 5),
        "version_ms": engine.time_request("/version", 5),
    }


def write_docs(path, section_text):
    text = path.read_text()
    start, end = text.find(RESULTS_START), text.find(RESULTS_END)
    if start < 0 or end < start:
        print(f"not rewriting {path}: it lacks the {RESULTS_START} and {RESULTS_END} markers")
        return False
    path.write_text(text[: start + len(RESULTS_START)] + "\n\n" + section_text + "\n" + text[end:])
    return True


def main(argv):
    args = parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    settings = build_settings(args, scratch)
    problems = check_tools(settings, args.sections)
    if problems:
        for problem in problems:
            print(f"bench: error: {problem}", file=sys.stderr)
        return 2

    command = "scripts/bench.sh" + "".join(f" {shlex.quote(arg)}" for arg in argv)
    results = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": describe_machine(settings),
        "settings": {
            "image": common.TORCH_IMAGE,
            "socket": settings.socket,
            "startup_reps": settings.startup_reps,
            "startup_reps_16_nodes": settings.startup_reps_16,
            "e2e_reps": settings.e2e_reps,
            "memory_reps": settings.memory_reps,
            "plan_runs": settings.plan_runs,
        },
        "load": {"start": common.load_average()},
    }
    print(f"bench: {results['machine']['summary']}")

    interrupted = False
    try:
        common.write_runtime_yaml(scratch / "runtimes")
        removed = common.remove_leftovers(settings)
        if removed:
            print(f"bench: removed leftovers of an earlier run: {', '.join(removed)}")
        if args.sections != ["plan"]:
            results["engine_calls"] = time_engine_calls(settings)
        for section in args.sections:
            print(f"bench: {section}")
            results[section] = RUNNERS[section](settings)
            results["load"].setdefault("after_section", {})[section] = common.load_average()
    except KeyboardInterrupt:
        interrupted = True
        print("bench: interrupted; the job in progress was removed", file=sys.stderr)

    results["load"]["end"] = common.load_average()
    results["targets"] = report.evaluate_targets(results)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")

    table = report.markdown(results)
    print()
    print(table)
    print(f"bench: results written to {args.results}")

    docs = args.repo / "docs" / "benchmarks.md"
    if interrupted:
        print(f"bench: not rewriting {docs}: the run was interrupted")
    elif args.no_docs:
        pass
    elif args.sections != list(SECTIONS):
        print(f"bench: not rewriting {docs}: only a full run (no --only) replaces its results")
    elif write_docs(docs, table):
        print(f"bench: results section of {docs} rewritten")

    has_failures = "### Failed runs" in table
    if args.keep_scratch or has_failures:
        print(f"bench: specs and logs kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    if interrupted:
        return 130
    if has_failures:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
