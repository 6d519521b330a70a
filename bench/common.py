"""Shared pieces of the benchmark driver: settings, fixtures, process runs and statistics."""

import dataclasses
import os
import re
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import podman_api

TORCH_IMAGE = "localhost/trainc/torch:2.6-cpu"
RUNTIME_NAME = "torch-distributed"

# Every job, container and network the benchmark creates is named
# `bench-<kind>-...`, and the clean-up before a run removes leftovers of
# these kinds only.
JOB_KINDS = ("trainc", "sdk", "cli", "e2e-trainc", "e2e-sdk", "mem")
OWN_JOB = re.compile(r"^bench-(?:%s)-" % "|".join(re.escape(kind) for kind in JOB_KINDS))

# Seconds one command may take before the run counts as failed. They only
# stop a hung tool from stalling the whole benchmark.
START_LIMIT = 300.0
JOB_LIMIT = 600.0


@dataclasses.dataclass
class Settings:
    """Settings of one benchmark run: tools, engine, scratch folder and repetitions."""

    repo: Path
    trainc: Path
    sdk_python: Path
    socket: str
    scratch: Path
    startup_nodes: list
    startup_reps: int
    startup_reps_16: int
    e2e_reps: int
    memory_reps: int
    plan_runs: int

    @property
    def engine(self):
        return podman_api.Podman(self.socket)


class RunFailed(RuntimeError):
    """Error raised when one measured run does not reach its end state."""


def job_name(kind, nodes, rep):
    return f"bench-{kind}-{nodes}-r{rep}"


def run_command(args, log_path, limit, env=None):
    """Run a command with stdout and stderr in ``log_path`` and return its wall time in seconds.

    Raises RunFailed when it exits non-zero or runs longer than ``limit`` seconds.
    """
    with open(log_path, "wb") as log:
        started = time.monotonic()
        try:
            completed = subprocess.run(args, stdout=log, stderr=subprocess.STDOUT, timeout=limit, env=env)
        except subprocess.TimeoutExpired as error:
            raise RunFailed(f"{args[0]} ran longer than {limit:.0f} s; see {log_path}") from error
        elapsed = time.monotonic() - started
    if completed.returncode != 0:
        raise RunFailed(f"{' '.join(map(str, args))} exited {completed.returncode}: {tail(log_path)}")
    return elapsed


def tail(path, lines=3):
    """Return the first and the last lines of a log on one line, for error messages."""
    text = [line.strip() for line in Path(path).read_text(errors="replace").strip().splitlines()]
    if not text:
        return "(no output)"
    if len(text) > lines:
        text = [text[0], "..."] + text[-(lines - 1):]
    return " | ".join(text)


def write_runtime_yaml(folder):
    """Write the ClusterTrainingRuntime YAML that the SDK reads through its file:// source."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{RUNTIME_NAME}.yaml").write_text(
        f"""apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata:
  name: {RUNTIME_NAME}
  labels:
    trainer.kubeflow.org/framework: torch
spec:
  mlPolicy:
    numNodes: 1
  template:
    spec:
      replicatedJobs:
        - name: node
          template:
            spec:
              template:
                spec:
                  containers:
                    - name: node
                      image: {TORCH_IMAGE}
"""
    )
    return folder


def write_command_spec(path, job, nodes, command, socket, image=TORCH_IMAGE):
    """Write a trainc spec whose nodes run ``command`` (a list of words)."""
    words = " ".join(kdl_string(word) for word in command)
    path.write_text(
        f"""job {kdl_string(job)} {{
    image {kdl_string(image)}
    nodes {nodes}
    trainer {{ command {words} }}
    engine "podman" {{ host {kdl_string(socket)} }}
}}
"""
    )
    return path


def kdl_string(text):
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def remove_trainc_job(settings, job, log_path):
    """Delete a trainc job with `trainc delete --purge`, then force-remove anything left.

    The second step keeps later runs clean when trainc's delete fails. The
    delete error is returned, not raised, so it is reported without
    discarding the measurement.
    """
    problem = None
    try:
        run_command([settings.trainc, "delete", job, "--purge", "--host", settings.socket], log_path, START_LIMIT)
    except RunFailed as error:
        problem = f"trainc delete: {error}"
    settings.engine.remove_job(job)
    return problem


def remove_sdk_job(settings, job):
    """Force-remove an SDK job's containers, network and host work folder."""
    settings.engine.remove_job(job)
    workdir = Path.home() / ".kubeflow" / "trainer" / "containers" / job
    if job.startswith(podman_api.NAME_PREFIX) and workdir.is_dir():
        shutil.rmtree(workdir)


def remove_leftovers(settings):
    """Remove jobs and networks of the benchmark's own kinds left by an interrupted run."""
    engine = settings.engine
    jobs = set()
    for container in engine.containers(podman_api.JOB_LABEL):
        job = (container.get("Labels") or {}).get(podman_api.JOB_LABEL, "")
        if OWN_JOB.match(job):
            jobs.add(job)
    for network in engine.networks():
        name = network.get("name", "")
        if OWN_JOB.match(name) and name.endswith("-net"):
            jobs.add(name[: -len("-net")])
    for job in sorted(jobs):
        engine.remove_job(job)
        remove_sdk_job(settings, job)
    return sorted(jobs)


def summarize(samples):
    """Return the median, minimum and maximum of ``samples``, or None for each when empty."""
    if not samples:
        return {"median": None, "min": None, "max": None, "n": 0}
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def ratio(numerator, denominator):
    if numerator is None or denominator in (None, 0):
        return None
    return numerator / denominator


def load_average():
    return list(os.getloadavg())
