"""Start-up overhead: from command start until every node container runs.

Three sides start N sleeping nodes on the torch image:
  trainc  `trainc apply --detach SPEC`, timed from process start, then the
          engine is polled until every node runs.
  sdk     the Kubeflow SDK's TrainerClient.train() with its Podman backend,
          timed inside a child process from just before train(). Its nodes
          run torchrun on a function that sleeps.
  cli     a sequential shell loop: `podman network create`, then
          `podman run -d` once per node, timed from process start.
The repetitions of the three sides are interleaved, so that load from other
work on the machine spreads over all of them.
"""

import json
import os
import subprocess
import time

import common
from common import RunFailed

SIDES = ("trainc", "sdk", "cli")

CLI_LOOP = """set -e
podman network create "$JOB-net" >/dev/null
i=0
while [ "$i" -lt "$NODES" ]; do
    podman run -d --name "$JOB-node-$i" --network "$JOB-net" \\
        --label "trainer.kubeflow.org/trainjob-name=$JOB" "$IMAGE" sleep 600 >/dev/null
    i=$((i + 1))
done
"""


def measure_trainc(settings, nodes, rep):
    job = common.job_name("trainc", nodes, rep)
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    spec = common.write_command_spec(folder / "job.kdl", job, nodes, ["sleep", "600"], settings.socket)
    try:
        started = time.monotonic()
        common.run_command([settings.trainc, "apply", "--detach", spec], folder / "apply.log", common.START_LIMIT)
        returned = time.monotonic()
        all_running = settings.engine.wait_all_running(job, nodes, common.START_LIMIT)
        return {"seconds": all_running - started, "returned_seconds": returned - started}
    finally:
        problem = common.remove_trainc_job(settings, job, folder / "delete.log")
        if problem:
            print(f"    warning: {job}: {problem}")


def measure_sdk(settings, nodes, rep):
    job = common.job_name("sdk", nodes, rep)
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    args = [
        settings.sdk_python,
        settings.repo / "bench" / "sdk_job.py",
        "--socket", settings.socket,
        "--runtime-dir", settings.scratch / "runtimes",
        "--job", job,
        "--nodes", str(nodes),
        "--mode", "startup",
        "--limit", str(common.START_LIMIT),
    ]
    try:
        return run_sdk_child(args, folder, common.START_LIMIT * 2)
    finally:
        common.remove_sdk_job(settings, job)


def run_sdk_child(args, folder, limit):
    """Run bench/sdk_job.py and return the JSON object it prints last.

    Adds ``process_seconds``: the child's whole wall time, with interpreter
    start, imports and client set-up, which the SDK's own timer leaves out.
    """
    with open(folder / "sdk.log", "wb") as log:
        started = time.monotonic()
        try:
            completed = subprocess.run(args, stdout=subprocess.PIPE, stderr=log, timeout=limit)
        except subprocess.TimeoutExpired as error:
            raise RunFailed(f"SDK job ran longer than {limit:.0f} s; see {folder / 'sdk.log'}") from error
        process_seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise RunFailed(f"SDK job exited {completed.returncode}: {common.tail(folder / 'sdk.log')}")
    lines = completed.stdout.decode(errors="replace").strip().splitlines()
    if not lines:
        raise RunFailed(f"SDK job printed no result; see {folder / 'sdk.log'}")
    outcome = json.loads(lines[-1])
    outcome["process_seconds"] = process_seconds
    return outcome


def measure_cli(settings, nodes, rep):
    job = common.job_name("cli", nodes, rep)
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "JOB": job, "NODES": str(nodes), "IMAGE": common.TORCH_IMAGE}
    try:
        started = time.monotonic()
        common.run_command(["bash", "-c", CLI_LOOP], folder / "cli.log", common.START_LIMIT, env=env)
        returned = time.monotonic()
        all_running = settings.engine.wait_all_running(job, nodes, common.START_LIMIT)
        return {"seconds": all_running - started, "returned_seconds": returned - started}
    finally:
        settings.engine.remove_job(job)


MEASURE = {"trainc": measure_trainc, "sdk": measure_sdk, "cli": measure_cli}


def run(settings):
    """Measure every side at every node count and return the section of results.json."""
    samples = {side: {str(n): [] for n in settings.startup_nodes} for side in SIDES}
    returned = {side: {str(n): [] for n in settings.startup_nodes} for side in SIDES}
    sdk_process = {str(n): [] for n in settings.startup_nodes}
    errors = {side: {str(n): [] for n in settings.startup_nodes} for side in SIDES}

    for nodes in settings.startup_nodes:
        reps = settings.startup_reps_16 if nodes >= 16 else settings.startup_reps
        for rep in range(1, reps + 1):
            for side in SIDES:
                key = str(nodes)
                try:
                    outcome = MEASURE[side](settings, nodes, rep)
                except (RunFailed, common.podman_api.PodmanError) as error:
                    errors[side][key].append(str(error))
                    print(f"  start-up {side:6} {nodes:2} nodes rep {rep}: failed: {error}")
                    continue
                samples[side][key].append(outcome["seconds"])
                returned[side][key].append(outcome["returned_seconds"])
                if "process_seconds" in outcome:
                    sdk_process[key].append(outcome["process_seconds"])
                print(f"  start-up {side:6} {nodes:2} nodes rep {rep}: {outcome['seconds']:.3f} s")

    section = {"nodes": settings.startup_nodes, "sides": {}}
    for side in SIDES:
        section["sides"][side] = {
            key: {
                **common.summarize(samples[side][key]),
                "samples": samples[side][key],
                "returned": common.summarize(returned[side][key]),
                "errors": errors[side][key],
            }
            for key in samples[side]
        }
    for key, samples_of_size in sdk_process.items():
        section["sides"]["sdk"][key]["process"] = common.summarize(samples_of_size)
    section["ratios"] = {
        key: {
            "trainc_over_sdk": common.ratio(section["sides"]["trainc"][key]["median"], section["sides"]["sdk"][key]["median"]),
            "trainc_over_cli": common.ratio(section["sides"]["trainc"][key]["median"], section["sides"]["cli"][key]["median"]),
        }
        for key in samples["trainc"]
    }
    return section
