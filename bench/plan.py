"""Planning time: `trainc plan` on generated specs of 4, 64 and 1024 nodes, under hyperfine.

When the repository has scripts/bench-plan.sh, the driver runs it with the
release binary and reads the hyperfine JSON it writes, which covers the
text and the JSON plan formats. Otherwise it runs hyperfine itself on
specs whose nodes run a command (text format only).
"""

import json
import os
import subprocess
from pathlib import Path

import common

NODE_COUNTS = (4, 64, 1024)


def run(settings):
    """Time `trainc plan` at each size and return the section of results.json."""
    script = settings.repo / "scripts" / "bench-plan.sh"
    if script.is_file():
        return run_bench_plan_script(settings, script)
    return run_hyperfine(settings)


def run_bench_plan_script(settings, script):
    """Run scripts/bench-plan.sh and collect its medians from target/bench-plan/plan-N.json."""
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR", settings.repo / "target"))
    output = target_dir / "bench-plan"
    section = {"tool": hyperfine_version(), "source": "scripts/bench-plan.sh", "nodes": list(NODE_COUNTS), "sizes": {}}
    log = settings.scratch / "bench-plan.log"
    try:
        common.run_command(["sh", script, settings.trainc], log, common.JOB_LIMIT)
    except common.RunFailed as error:
        for nodes in NODE_COUNTS:
            section["sizes"][str(nodes)] = {"error": str(error)}
        print(f"  plan: failed: {error}")
        return section

    for nodes in NODE_COUNTS:
        export = json.loads((output / f"plan-{nodes}.json").read_text())
        spec = output / "specs" / f"bench-{nodes}.kdl"
        figures = {"plan_bytes": plan_size(settings, spec)}
        for result in export["results"]:
            plan_format = "json" if "json" in result["command"] else "text"
            figures[plan_format] = timing(result)
        section["sizes"][str(nodes)] = figures
        print(f"  plan {nodes:4} nodes: median {figures['text']['median_ms']:.2f} ms (text), "
              f"{figures.get('json', {}).get('median_ms', float('nan')):.2f} ms (json)")
    return section


def run_hyperfine(settings):
    """Time `trainc plan SPEC` on specs written here, for repositories without bench-plan.sh."""
    folder = settings.scratch / "plan"
    folder.mkdir(parents=True, exist_ok=True)
    section = {"tool": hyperfine_version(), "source": "bench/plan.py", "nodes": list(NODE_COUNTS), "sizes": {}}

    for nodes in NODE_COUNTS:
        job = common.job_name("plan", nodes, 1)
        spec = common.write_command_spec(folder / f"{job}.kdl", job, nodes, ["sleep", "600"], settings.socket)
        export = folder / f"{job}.json"
        args = [
            "hyperfine",
            "--style", "none",
            "--shell", "none",
            "--warmup", "5",
            "--runs", str(settings.plan_runs),
            "--export-json", str(export),
            f"{settings.trainc} plan {spec}",
        ]
        key = str(nodes)
        try:
            common.run_command(args, folder / f"{job}.log", common.START_LIMIT)
        except common.RunFailed as error:
            section["sizes"][key] = {"error": str(error)}
            print(f"  plan {nodes:4} nodes: failed: {error}")
            continue
        result = json.loads(export.read_text())["results"][0]
        section["sizes"][key] = {"plan_bytes": plan_size(settings, spec), "text": timing(result)}
        print(f"  plan {nodes:4} nodes: median {result['median'] * 1000:.2f} ms (text)")
    return section


def timing(result):
    """Convert one hyperfine result to milliseconds."""
    return {
        "median_ms": result["median"] * 1000,
        "mean_ms": result["mean"] * 1000,
        "stddev_ms": (result.get("stddev") or 0.0) * 1000,
        "min_ms": result["min"] * 1000,
        "max_ms": result["max"] * 1000,
        "runs": len(result["times"]),
    }


def plan_size(settings, spec):
    completed = subprocess.run([settings.trainc, "plan", spec], capture_output=True)
    return len(completed.stdout) if completed.returncode == 0 else None


def hyperfine_version():
    completed = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True)
    return completed.stdout.strip()
