"""Planning time: `trainc plan SPEC` on generated specs of 4, 64 and 1024 nodes, under hyperfine.

When the repository has scripts/bench-plan.sh, it runs too and its output
is printed, but the figures in results.json come from the measurement here,
so that they have one known format.
"""

import json
import subprocess

import common

NODE_COUNTS = (4, 64, 1024)


def run(settings):
    """Time `trainc plan` at each size and return the section of results.json."""
    folder = settings.scratch / "plan"
    folder.mkdir(parents=True, exist_ok=True)
    section = {"tool": hyperfine_version(), "nodes": list(NODE_COUNTS), "sizes": {}}

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
        section["sizes"][key] = {
            "median_ms": result["median"] * 1000,
            "mean_ms": result["mean"] * 1000,
            "stddev_ms": (result.get("stddev") or 0.0) * 1000,
            "min_ms": result["min"] * 1000,
            "max_ms": result["max"] * 1000,
            "runs": len(result["times"]),
            "plan_bytes": plan_size(settings, spec),
        }
        print(f"  plan {nodes:4} nodes: median {result['median'] * 1000:.2f} ms over {len(result['times'])} runs")

    script = settings.repo / "scripts" / "bench-plan.sh"
    if script.is_file():
        print(f"  running {script.relative_to(settings.repo)} as well:")
        completed = subprocess.run(["bash", script], cwd=settings.repo, capture_output=True, text=True)
        print(completed.stdout + completed.stderr)
        section["bench_plan_script_exit"] = completed.returncode
    return section


def plan_size(settings, spec):
    completed = subprocess.run([settings.trainc, "plan", spec], capture_output=True)
    return len(completed.stdout) if completed.returncode == 0 else None


def hyperfine_version():
    completed = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True)
    return completed.stdout.strip()
