#!/usr/bin/env bash
# Builds the local images that trainc's examples and tests use, without any
# container registry:
#   localhost/trainc/torch:2.6-cpu   Debian trixie, python3-torch 2.6, pip
#   localhost/trainc/busybox:latest  Debian's static busybox, for fast tests
# An image that already exists is kept unless --rebuild is given. Each build
# is checked before it is tagged (the torch image runs a 2-process torchrun).
#
# Environment:
#   TRAINC_SOCKET   Podman API socket (default: the one setup-podman.sh starts)
#   DEBIAN_MIRROR   Debian mirror for debootstrap (default: http://deb.debian.org/debian)
set -euo pipefail

say() { printf 'build-images: %s\n' "$*"; }
die() { printf 'build-images: error: %s\n' "$*" >&2; exit 1; }

rebuild=0
for arg in "$@"; do
    case "$arg" in
        --rebuild) rebuild=1 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) die "unknown argument '$arg' (expected --rebuild)" ;;
    esac
done

[ "$(id -u)" -eq 0 ] || die "debootstrap needs root; run with sudo"

# Two runs at once would both build and import under the same candidate
# tag. A second run waits here, then finds the images and skips them.
lock_dir=/run/lock
[ -d "$lock_dir" ] || lock_dir=/tmp
exec 9>"$lock_dir/trainc-build-images.lock"
if ! flock -n 9; then
    say "another build-images.sh run is in progress; waiting for it to finish"
    flock 9
fi
command -v podman >/dev/null || die "podman is missing; run scripts/setup-podman.sh first"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
torch_image=localhost/trainc/torch:2.6-cpu
busybox_image=localhost/trainc/busybox:latest
here=$(cd "$(dirname "$0")" && pwd)

ensure_host_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing host packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

image_exists() { podman image exists "$1"; }

elapsed() { printf '%ds' $(( $(date +%s) - $1 )); }

build_busybox() {
    if [ "$rebuild" -eq 0 ] && image_exists "$busybox_image"; then
        say "$busybox_image exists; skipping (use --rebuild to force)"
        return
    fi
    local start; start=$(date +%s)
    ensure_host_packages busybox-static
    local root; root=$(mktemp -d)
    trap 'rm -rf "$root"' RETURN
    mkdir -p "$root/bin" "$root/tmp" "$root/workspace" "$root/etc"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    say "importing $busybox_image"
    tar -C "$root" -c . | podman import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' - "$busybox_image" >/dev/null
    podman run --rm "$busybox_image" sh -c 'echo busybox ok' | grep -q 'busybox ok' || die "$busybox_image does not run a shell"
    say "built $busybox_image in $(elapsed "$start")"
}

build_torch() {
    if [ "$rebuild" -eq 0 ] && image_exists "$torch_image"; then
        say "$torch_image exists; skipping (use --rebuild to force)"
        return
    fi
    local start; start=$(date +%s)
    ensure_host_packages debootstrap debian-archive-keyring
    local root; root=$(mktemp -d /var/tmp/trainc-torch-root.XXXXXX)
    trap 'rm -rf "$root"' RETURN

    # trixie, because bookworm's torch 1.13 has a torchrun that crashes on
    # Python 3.11. ca-certificates lets pip reach an index over HTTPS.
    say "debootstrap trixie with python3-torch into $root (about 2 minutes, 1.5 GB)"
    debootstrap --variant=minbase --include=python3,python3-torch,python3-pip,python3-numpy,ca-certificates,iproute2,procps \
        trixie "$root" "$mirror" 2>&1 | awk '/^I: (Retrieving|Validating|Extracting|Installing|Configuring) / { n++; if (n % 200 == 0) { print "  ... " $0 } next } { print "  " $0 }'

    # Debian builds torch without libuv while TCPStore defaults to it, so
    # torchrun's rendezvous fails; the patch turns libuv off in every
    # TCPStore call that torchrun makes.
    say "patching torch's TCPStore calls (use_libuv=False)"
    local site; site=$(find "$root/usr/lib/python3" -maxdepth 2 -type d -name torch -path '*dist-packages*' | head -n 1)
    [ -n "$site" ] || die "torch not found in the new root filesystem"
    python3 "$here/patch-torch-libuv.py" \
        "$site/distributed/rendezvous.py" \
        "$site/distributed/elastic/rendezvous/static_tcp_rendezvous.py" \
        "$site/distributed/elastic/rendezvous/c10d_rendezvous_backend.py" \
        "$site/distributed/elastic/rendezvous/dynamic_rendezvous.py" \
        "$site/distributed/elastic/utils/distributed.py"

    # pip refuses to install into Debian's Python without this; containers
    # are disposable, so installing job packages system-wide is intended.
    printf '[global]\nbreak-system-packages = true\nroot-user-action = ignore\n' >"$root/etc/pip.conf"
    mkdir -p "$root/workspace"
    rm -rf "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*

    say "importing $torch_image (about 40 s)"
    tar -C "$root" -c . | podman import \
        --change 'CMD ["/bin/bash"]' \
        --change 'WORKDIR /workspace' \
        --change 'ENV PYTHONUNBUFFERED=1' \
        - "$torch_image.candidate" >/dev/null

    say "checking torchrun with 2 processes inside the image"
    local out
    if ! out=$(podman run --rm "$torch_image.candidate" bash -c 'cat >/tmp/check.py <<"PY"
import torch, torch.distributed as dist
dist.init_process_group("gloo")
t = torch.tensor([dist.get_rank() + 1.0])
dist.all_reduce(t)
print(f"rank {dist.get_rank()} sum {t.item():.0f}", flush=True)
dist.destroy_process_group()
PY
torchrun --standalone --nproc-per-node=2 /tmp/check.py' 2>&1); then
        die "torchrun check failed inside $torch_image.candidate (kept for inspection; remove it with 'podman rmi $torch_image.candidate'):
$out"
    fi
    [ "$(grep -o 'sum 3' <<<"$out" | wc -l)" -eq 2 ] || die "torchrun check printed an unexpected result:
$out"
    podman tag "$torch_image.candidate" "$torch_image"
    podman rmi "$torch_image.candidate" >/dev/null
    say "built $torch_image in $(elapsed "$start")"
}

build_busybox
build_torch
podman images --filter reference='localhost/trainc/*' --format '{{.Repository}}:{{.Tag}} {{.Size}}'
