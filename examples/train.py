"""Quickstart: fit a small linear model on random data, once per rank.

torchrun sets RANK and WORLD_SIZE in every process. Each rank trains its own
copy, so the output shows that every node started and ran to the end.
"""

import os

import torch

EPOCHS = 5


def main() -> None:
    rank = int(os.environ.get("RANK", "0"))
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    print(f"Training on rank {rank}/{world_size}")

    # A seed per rank makes each rank's loss curve the same from run to run.
    torch.manual_seed(rank)
    model = torch.nn.Linear(10, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    for epoch in range(1, EPOCHS + 1):
        inputs = torch.randn(32, 10)
        targets = torch.randn(32, 1)
        loss = torch.nn.functional.mse_loss(model(inputs), targets)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"[Rank {rank}] Epoch {epoch}/{EPOCHS}, Loss: {loss.item():.4f}")

    print(f"[Rank {rank}] Training completed!")


if __name__ == "__main__":
    main()
