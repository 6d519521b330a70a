"""Shows how the nodes of a job find each other.

MASTER_ADDR is rank 0's IP address on the job network (trainc's default
`master-addr "ip"`). The network also has DNS, so every node can resolve
rank 0 by its container name, `<job>-node-0`. Each rank prints its
hostname and MASTER_ADDR, and the other ranks fail when rank 0's name and
MASTER_ADDR resolve to different addresses.
"""

import os
import socket
import sys


def main() -> int:
    rank = int(os.environ["RANK"])
    hostname = socket.gethostname()
    master_addr = os.environ["MASTER_ADDR"]
    print(f"[rank {rank}] hostname: {hostname}")
    print(f"[rank {rank}] master address (MASTER_ADDR): {master_addr}")

    if rank == 0:
        own_ip = socket.gethostbyname(hostname)
        print(f"[rank {rank}] my IP address: {own_ip}")
        return 0

    # trainc names rank 0's container, and its hostname, `<job>-node-0`.
    master_name = f"{os.environ['TRAINC_JOB']}-node-0"
    resolved = socket.gethostbyname(master_name)
    master_ip = socket.gethostbyname(master_addr)
    print(f"[rank {rank}] DNS: {master_name} -> {resolved}")
    if resolved != master_ip:
        print(f"[rank {rank}] error: {master_name} resolves to {resolved}, "
              f"but MASTER_ADDR {master_addr} is {master_ip}", file=sys.stderr)
        return 1
    print(f"[rank {rank}] DNS and MASTER_ADDR agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
