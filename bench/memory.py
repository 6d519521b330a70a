"""Peak memory: the maximum resident set size of `trainc apply` for 16 nodes, from `/usr/bin/time -v`.

Two modes: `--detach`, which returns once every node runs (nodes sleep 600 s
and are removed afterwards), and attached, which streams the nodes' output
until they exit (nodes sleep 5 s).
"""

import re

import common

NODES = 16
MODES = {
    "detach": (["--detach"], ["sleep", "600"]),
    "attached": ([], ["sleep", "5"]),
}
MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\):\s*(\d+)")


def measure(settings, mode, rep):
    flags, command = MODES[mode]
    job = common.job_name("mem", NODES, f"{rep}-{mode}")
    folder = settings.scratch / job
    folder.mkdir(parents=True, exist_ok=True)
    spec = common.write_command_spec(folder / "job.kdl", job, NODES, command, settings.socket)
    log = folder / "apply.log"
    try:
        common.run_command(["/usr/bin/time", "-v", settings.trainc, "apply", *flags, spec], log, common.JOB_LIMIT)
    finally:
        problem = common.remove_trainc_job(settings, job, folder / "delete.log")
        if problem:
            print(f"    warning: {job}: {problem}")
    found = MAX_RSS.search(log.read_text(errors="replace"))
    if not found:
        raise common.RunFailed(f"/usr/bin/time printed no maximum resident set size; see {log}")
    return int(found.group(1)) / 1024


def run(settings):
    """Measure each mode and return the section of results.json (MiB)."""
    section = {"nodes": NODES, "modes": {}}
    for mode in MODES:
        samples, errors = [], []
        for rep in range(1, settings.memory_reps + 1):
            try:
                mebibytes = measure(settings, mode, rep)
            except (common.RunFailed, common.podman_api.PodmanError) as error:
                errors.append(str(error))
                print(f"  memory {mode:8} rep {rep}: failed: {error}")
                continue
            samples.append(mebibytes)
            print(f"  memory {mode:8} rep {rep}: {mebibytes:.1f} MiB")
        section["modes"][mode] = {**common.summarize(samples), "samples": samples, "errors": errors}
    return section
