"""Run one Kubeflow SDK job with the Podman backend and print its timings as JSON.

Runs in the SDK's virtualenv (.venv-sdk) as a child of the driver, one
process per repetition, so no client state carries over between runs.

Modes:
  startup  times train() and then polls the engine until every node
           container runs; the payload sleeps, so the nodes stay up until
           the driver removes them.
  e2e      times train() followed by wait_for_job_status(), with a linear
           model trained for 5 epochs on every rank.
"""

import argparse
import json
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import podman_api  # noqa: E402

from kubeflow.trainer import ContainerBackendConfig, CustomTrainer, TrainerClient  # noqa: E402
from kubeflow.trainer.backends.container.types import TrainingRuntimeSource  # noqa: E402
from kubeflow.trainer.options.common import Name  # noqa: E402


def sleep_payload():
    import time

    time.sleep(600)


def linear_model_payload():
    import os

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", required=True, help="Podman API URL, unix:///...")
    parser.add_argument("--runtime-dir", required=True, help="folder with the ClusterTrainingRuntime YAML")
    parser.add_argument("--job", required=True, help="job name; must start with bench-")
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--mode", choices=("startup", "e2e"), required=True)
    parser.add_argument("--limit", type=float, default=300.0, help="seconds to wait for the job before giving up")
    args = parser.parse_args()
    if not args.job.startswith(podman_api.NAME_PREFIX):
        parser.error(f"--job '{args.job}' must start with '{podman_api.NAME_PREFIX}'")

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    config = ContainerBackendConfig(
        container_runtime="podman",
        container_host=args.socket,
        runtime_source=TrainingRuntimeSource(sources=[f"file://{args.runtime_dir}"]),
    )
    client = TrainerClient(backend_config=config)
    engine = podman_api.Podman(args.socket)
    payload = sleep_payload if args.mode == "startup" else linear_model_payload
    trainer = CustomTrainer(func=payload, num_nodes=args.nodes)

    started = time.monotonic()
    client.train(trainer=trainer, options=[Name(args.job)])
    returned = time.monotonic()

    result = {"job": args.job, "nodes": args.nodes, "returned_seconds": returned - started}
    if args.mode == "startup":
        all_running = engine.wait_all_running(args.job, args.nodes, args.limit)
        result["seconds"] = all_running - started
    else:
        job = client.wait_for_job_status(args.job, timeout=int(args.limit))
        result["seconds"] = time.monotonic() - started
        result["status"] = job.status
    print(json.dumps(result))


if __name__ == "__main__":
    main()
