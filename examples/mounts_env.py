"""Reads a read-only data mount, uses a named volume and environment
variables, and saves a checkpoint into the job's workspace.

Spec side (mounts-env.kdl):
  /data       examples/data/ from the host, read-only
  /cache      the named volume `trainc-example-cache`, shared by the nodes
  /workspace  the job's workspace folder on the host, where rank 0 saves
              checkpoint.pt
  EXAMPLE_TOKEN  from the host's environment, sensitive: only its length
                 is printed
  GREETING       a literal value from the spec
"""

import csv
import os
import sys
from pathlib import Path

import torch

DATA = Path("/data/points.csv")
CACHE = Path("/cache")
CHECKPOINT = Path("/workspace/checkpoint.pt")
EPOCHS = 200


def load_points() -> tuple[torch.Tensor, torch.Tensor]:
    with DATA.open(newline="") as f:
        rows = list(csv.DictReader(f))
    xs = torch.tensor([[float(row["x"])] for row in rows])
    ys = torch.tensor([[float(row["y"])] for row in rows])
    return xs, ys


def data_mount_is_read_only() -> bool:
    try:
        (DATA.parent / "write-probe").write_text("x")
    except OSError:
        return True
    return False


def fit(xs: torch.Tensor, ys: torch.Tensor) -> torch.nn.Linear:
    """Fits y = w * x + b by gradient descent; only rank 0 calls it."""
    torch.manual_seed(0)
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02)
    for _ in range(EPOCHS):
        loss = torch.nn.functional.mse_loss(model(xs), ys)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"[rank 0] fitted y = {model.weight.item():.2f} * x + {model.bias.item():.2f} "
          f"(loss {loss.item():.4f})")
    return model


def main() -> int:
    rank = int(os.environ["RANK"])
    print(f"[rank {rank}] GREETING = {os.environ['GREETING']}")
    print(f"[rank {rank}] EXAMPLE_TOKEN has {len(os.environ['EXAMPLE_TOKEN'])} characters")

    xs, ys = load_points()
    print(f"[rank {rank}] read {len(xs)} points from {DATA}")
    if not data_mount_is_read_only():
        print(f"[rank {rank}] error: {DATA.parent} is writable, expected read-only",
              file=sys.stderr)
        return 1
    print(f"[rank {rank}] {DATA.parent} is read-only")

    marker = CACHE / f"rank-{rank}.txt"
    marker.write_text(f"{os.environ['TRAINC_JOB']} rank {rank}\n")
    print(f"[rank {rank}] wrote {marker} in the named volume")

    if rank == 0:
        model = fit(xs, ys)
        torch.save(model.state_dict(), CHECKPOINT)
        print(f"[rank {rank}] saved {CHECKPOINT} ({CHECKPOINT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
