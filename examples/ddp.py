"""DistributedDataParallel on CPU with the gloo backend.

Every rank trains the same linear model for a few steps on its own batches.
DDP averages the gradients, so all ranks end with identical weights. An
all-reduce of (rank + 1) then checks that every rank reached every other:
with W ranks each one must print W * (W + 1) / 2.
"""

import os
import sys

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

STEPS = 5


def main() -> int:
    dist.init_process_group(backend="gloo")
    rank = dist.get_rank()
    world_size = dist.get_world_size()
    print(f"[rank {rank}] joined the process group of {world_size} ranks "
          f"(master {os.environ['MASTER_ADDR']}:{os.environ['MASTER_PORT']})")

    # The same seed on every rank gives the same initial weights, and DDP
    # also broadcasts rank 0's weights when it wraps the model.
    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Linear(10, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    # Each rank draws different batches, as a sharded data loader would.
    generator = torch.Generator().manual_seed(1000 + rank)
    for step in range(1, STEPS + 1):
        inputs = torch.randn(16, 10, generator=generator)
        targets = inputs.sum(dim=1, keepdim=True)
        loss = torch.nn.functional.mse_loss(model(inputs), targets)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"[rank {rank}] step {step}/{STEPS} loss = {loss.item():.4f}")

    # The weights after averaged updates match on every rank, so their sum is
    # a cheap fingerprint to compare across the logs.
    fingerprint = sum(p.detach().sum().item() for p in model.parameters())
    print(f"[rank {rank}] weight fingerprint = {fingerprint:.6f}")

    total = torch.tensor([rank + 1.0])
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    expected = world_size * (world_size + 1) // 2
    print(f"[rank {rank}] all-reduce sum = {int(total.item())}")

    dist.destroy_process_group()
    if int(total.item()) != expected:
        print(f"[rank {rank}] error: all-reduce sum is {int(total.item())}, expected {expected}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
