"""End to end: the SDK guide's 2-node linear-model example, applied until it completes.

trainc runs `trainc apply SPEC` (without --detach), timed from process start
to exit. The spec is the repository's examples/quickstart.kdl, copied with
its folder into the scratch folder under a `bench-` job name; when the
repository has no such example, an equivalent spec and script are written.
The SDK runs train() and then wait_for_job_status() with the same model as a
function, timed inside a child process from just before train().
"""

import re
import shutil
import time

import common
import startup
from common import RunFailed

NODES = 2
SIDES = ("trainc", "sdk")

TRAIN_SCRIPT = '''import os

import torch

rank = int(os.environ.get("RANK", "0"))
world_size = int(os.environ.get("WORLD_SIZE", "1"))
print(f"Training on rank {rank}/{world_size}")

model = torch.nn.Linear(10, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(1, 6):
    loss = torch.nn.functional.mse_loss(model(torch.randn(32, 10)), torch.randn(32, 1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"[Rank {rank}] Epoch {epoch}/5, Loss: {loss.item():.4f}")
print(f"[Rank {rank}] Training completed!")
'''

JOB_LINE = re.compile(r'^job\s+"[^"]*"', re.MULTILINE)


def prepare_trainc_spec(settings, job, folder):
    """Return the spec to apply and where it came from."""
    example = settings.repo / "examples" / "quickstart.kdl"
    if example.is_file():
        copy = folder / "examples"
        shutil.copytree(example.parent, copy, dirs_exist_ok=True)
        spec = copy / "quickstart.kdl"
        text, count = JOB_LINE.subn(f'job "{job}"', spec.read_text(), count=1)
        if count != 1:
            raise RunFailed(f"{example} has no line starting with job \"NAME\"; cannot rename its job to {job}")
        spec.write_text(text)
        return spec, "examples/quickstart.kdl"

    (folder / "train.py").write_text(TRAIN_SCRIPT)
    spec = folder / "job.kdl"
    spec.write_text(
        f"""job "{job}" {{
    image "{common.TORCH_IMAGE}"
    nodes {NODES}
    trainer {{ script "train.py" }}
    engine "podman" {{ host "{settings.socket}" }}
}}
"""
    )
    return spec, "generated spec (examples/quickstart.kdl not found)"


def measure_trainc(settings, rep):
    job = common.job_name("e2e-trainc", NODES, rep)
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    spec, source = prepare_trainc_spec(settings, job, folder)
    try:
        started = time.monotonic()
        common.run_command([settings.trainc, "apply", spec, "--host", settings.socket], folder / "apply.log", common.JOB_LIMIT)
        return {"seconds": time.monotonic() - started, "source": source}
    finally:
        problem = common.remove_trainc_job(settings, job, folder / "delete.log")
        if problem:
            print(f"    warning: {job}: {problem}")


def measure_sdk(settings, rep):
    job = common.job_name("e2e-sdk", NODES, rep)
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    args = [
        settings.sdk_python,
        settings.repo / "bench" / "sdk_job.py",
        "--socket", settings.socket,
        "--runtime-dir", settings.scratch / "runtimes",
        "--job", job,
        "--nodes", str(NODES),
        "--mode", "e2e",
        "--limit", str(common.JOB_LIMIT),
    ]
    try:
        outcome = startup.run_sdk_child(args, folder, common.JOB_LIMIT * 2)
    finally:
        common.remove_sdk_job(settings, job)
    if outcome.get("status") != "Complete":
        raise RunFailed(f"SDK job {job} ended with status {outcome.get('status')}")
    return outcome


MEASURE = {"trainc": measure_trainc, "sdk": measure_sdk}


def run(settings):
    """Run the example on both sides, interleaved, and return the section of results.json."""
    samples = {side: [] for side in SIDES}
    errors = {side: [] for side in SIDES}
    source = None
    for rep in range(1, settings.e2e_reps + 1):
        for side in SIDES:
            try:
                outcome = MEASURE[side](settings, rep)
            except (RunFailed, common.podman_api.PodmanError) as error:
                errors[side].append(str(error))
                print(f"  end-to-end {side:6} rep {rep}: failed: {error}")
                continue
            source = outcome.get("source", source)
            samples[side].append(outcome["seconds"])
            print(f"  end-to-end {side:6} rep {rep}: {outcome['seconds']:.3f} s")

    sides = {side: {**common.summarize(samples[side]), "samples": samples[side], "errors": errors[side]} for side in SIDES}
    return {
        "nodes": NODES,
        "trainc_spec": source,
        "sides": sides,
        "trainc_over_sdk": common.ratio(sides["trainc"]["median"], sides["sdk"]["median"]),
    }
