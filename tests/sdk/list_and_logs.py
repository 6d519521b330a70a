"""Reads a trainc job through the Kubeflow SDK's container backend.

Usage: list_and_logs.py SOCKET_URL RUNTIME_DIR JOB_NAME

Prints one JSON document: the job names list_jobs() returns, what
get_job() returns for JOB_NAME, and the log lines get_job_logs() returns
with follow=True (the non-follow path returns generator objects with
podman-py 5.x on Podman 4.3).
"""

import json
import sys

from kubeflow.trainer import ContainerBackendConfig, TrainerClient
from kubeflow.trainer.backends.container.types import TrainingRuntimeSource


def main() -> None:
    socket_url, runtime_dir, job_name = sys.argv[1:4]
    client = TrainerClient(
        backend_config=ContainerBackendConfig(
            container_runtime="podman",
            container_host=socket_url,
            runtime_source=TrainingRuntimeSource(sources=[f"file://{runtime_dir}"]),
        )
    )

    names = sorted(job.name for job in client.list_jobs())
    job = client.get_job(job_name)
    text = "".join(client.get_job_logs(job_name, follow=True))
    print(
        json.dumps(
            {
                "jobs": names,
                "status": job.status,
                "num_nodes": job.num_nodes,
                "runtime": job.runtime.name,
                "steps": [{"name": step.name, "pod": step.pod_name, "status": step.status} for step in job.steps],
                "logs": text.splitlines(),
            }
        )
    )


if __name__ == "__main__":
    main()
