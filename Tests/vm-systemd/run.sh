#!/usr/bin/env bash
# swiftrun systemd suite, host side: boots a real systemd host (the Debian bookworm image
# Tests/vm-systemd/build-image.sh builds once and caches in /var/cache/swiftrun-vm) under
# qemu-system-x86_64 with this machine's stock kernel (software emulation, no KVM). systemd (PID 1)
# starts swiftrun-vmtest.service, which mounts this repository (9p, read-only, tag "host") at /host
# and runs Tests/vm-systemd/inside.sh against the runtime and the busybox rootfs; results come back
# on the serial console, and the unit powers the VM off. The image is used copy-on-write
# (snapshot=on): every run starts from the same pristine host.
#
# Usage: Tests/vm-systemd/run.sh [--runtime PATH] [--rootfs PATH] [--only REGEX] [--timeout SECS]
#   --runtime   default <repo>/.build/release/swiftrun (must be inside the repository)
#   --rootfs    default <repo>/Bundles/busybox/rootfs (inside the repository)
# Exits non-zero if the image cannot be built, the VM did not boot or timed out, printed no
# summary, or any check failed. The last line is "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
RUNTIME=${SWIFTRUN:-$repo/.build/release/swiftrun}
ROOTFS_DIR=${ROOTFS:-$repo/Bundles/busybox/rootfs}
ONLY=${VM_ONLY:-}
TIMEOUT=${VM_SYSTEMD_TIMEOUT:-1500}
while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) RUNTIME=$2; shift 2 ;;
        --rootfs) ROOTFS_DIR=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --timeout) TIMEOUT=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "vm-systemd-test: unknown argument: $1" >&2; exit 2 ;;
    esac
done
say() { echo "vm-systemd-test: $*"; }
fail() { echo "vm-systemd-test: FAILED: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

RUNTIME=$(readlink -f "$RUNTIME"); ROOTFS_DIR=$(readlink -f "$ROOTFS_DIR")
[ -x "$RUNTIME" ] || fail "runtime '$RUNTIME' is not an executable (make build)"
[ -x "$ROOTFS_DIR/bin/busybox" ] || fail "no busybox rootfs at '$ROOTFS_DIR' (make bundle)"
case "$RUNTIME" in "$repo"/*) ;; *) fail "the runtime must be inside $repo (the VM sees only the repository)" ;; esac
case "$ROOTFS_DIR" in "$repo"/*) ;; *) fail "the rootfs must be inside $repo" ;; esac

if ! dpkg -s qemu-system-x86 2>/dev/null | grep -q '^Status: install ok installed'; then
    say "installing qemu-system-x86"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null; } \
        || fail "apt-get install qemu-system-x86 failed"
fi
KERNEL=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
[ -r "$KERNEL" ] || fail "no /boot/vmlinuz-* kernel"
KVER=${KERNEL#/boot/vmlinuz-}
INITRD=/boot/initrd.img-$KVER
[ -r "$INITRD" ] || fail "no $INITRD"

# The NOTIFY_SOCKET check's sender, static for the busybox rootfs (Tests/helpers/sd_notify_send.c).
mkdir -p "$repo/.build/vm-systemd"
gcc -static -O2 -o "$repo/.build/vm-systemd/sd_notify_send" "$repo/Tests/helpers/sd_notify_send.c" \
    || say "cannot build Tests/helpers/sd_notify_send.c (the notify check will skip)"

t0=$(date +%s)
IMG=$(bash "$here/build-image.sh" --kernel-version "$KVER") || fail "building the systemd image failed"
tb=$(( $(date +%s) - t0 ))
say "image $IMG (ready in ${tb}s), kernel $KERNEL"

rel_rt=${RUNTIME#"$repo"/}; rel_rootfs=${ROOTFS_DIR#"$repo"/}
args="--runtime,/host/$rel_rt,--rootfs,/host/$rel_rootfs"
[ -n "$ONLY" ] && args+=",--only,$ONLY"
log=$(mktemp /tmp/vm-systemd.XXXXXX)
trap 'rm -f "$log"' EXIT
say "booting (qemu, no KVM, timeout ${TIMEOUT}s)"
t1=$(date +%s)
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -machine pc -cpu max -smp 2 -m 2048 -nographic -no-reboot \
    -kernel "$KERNEL" -initrd "$INITRD" \
    -append "root=/dev/vda rw console=ttyS0 quiet loglevel=3 systemd.show_status=0 systemd.unified_cgroup_hierarchy=1 panic=-1 swiftrun.test=Tests/vm-systemd/inside.sh swiftrun.args=$args" \
    -drive "file=$IMG,format=raw,if=virtio,snapshot=on" \
    -virtfs "local,path=$repo,mount_tag=host,security_model=none,readonly=on" \
    -nic none -monitor none -serial stdio </dev/null 2>&1 \
    | stdbuf -oL tr -d '\r' | stdbuf -oL grep -v -e '^\s*$' | tee "$log"
rc=${PIPESTATUS[0]}
secs=$(( $(date +%s) - t1 ))
[ "$rc" = 124 ] || [ "$rc" = 137 ] && fail "the VM timed out after ${TIMEOUT}s"
grep -q 'vmtest: booted' "$log" || fail "the VM did not boot or did not start the test unit (qemu exit $rc, ${secs}s)"
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
[ -n "$summary" ] || fail "no summary line from the VM (qemu exit $rc, ${secs}s)"
nfail=$(grep -c '^FAIL ' "$log")
say "VM run ${secs}s, image ${tb}s"
np=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$summary"); nf=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$summary")
[ "$nfail" -gt "$nf" ] && nf=$nfail
echo "$np passed, $nf failed"
[ "$nf" = 0 ]
