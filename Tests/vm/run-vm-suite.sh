#!/usr/bin/env bash
# swiftrun VM suite, host side: boots Debian's stock kernel under qemu (software
# emulation, no KVM) with cgroup_no_v1=all through virtme-ng, so the guest has a
# pure cgroup v2 hierarchy with every controller, and runs Tests/vm/inside.sh
# in it against a runtime binary and the busybox rootfs, both read from the
# host over 9p. One boot; the guest prints PASS/FAIL/SKIP lines and a summary.
#
# Usage: Tests/vm/run-vm-suite.sh [--runtime PATH] [--rootfs PATH]
#            [--cgroup-v2 auto|yes|no] [--only REGEX] [--timeout SECS]
#            [--kernel PATH] [--trace]
#   --runtime    default $SWIFTRUN, else <repo>/.build/release/swiftrun
#   --rootfs     default $ROOTFS, else <repo>/Bundles/busybox/rootfs
#   --cgroup-v2  auto (default): run the cgroup checks only if `RUNTIME features`
#                says linux.cgroup.v2; yes: always (the default for runc/crun)
#   --only       run only the checks whose name matches this bash regex
#   --timeout    hard limit for the whole VM run (default $VM_TIMEOUT or 2400)
#   --trace      print every runtime call in the guest with its exit and time
#
# Exits non-zero if the VM did not boot, timed out, printed no summary line,
# or any check failed. Installs qemu-system-x86, linux-image-amd64 (apt) and
# virtme-ng (pip) when they are missing.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
RUNTIME=${SWIFTRUN:-$repo/.build/release/swiftrun}
ROOTFS_DIR=${ROOTFS:-$repo/Bundles/busybox/rootfs}
CGV2=${VM_CGROUP_V2:-auto}
ONLY=${VM_ONLY:-}
TRACE=${VM_TRACE:-0}
VM_TIMEOUT=${VM_TIMEOUT:-2400}
KERNEL=${VM_KERNEL:-}
PYTHON=${PYTHON:-python3}

while [ $# -gt 0 ]; do
    case "$1" in
        --runtime) RUNTIME=$2; shift 2 ;;
        --rootfs) ROOTFS_DIR=$2; shift 2 ;;
        --cgroup-v2) CGV2=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        --timeout) VM_TIMEOUT=$2; shift 2 ;;
        --kernel) KERNEL=$2; shift 2 ;;
        --trace) TRACE=1; shift ;;
        -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-vm-suite: unknown argument: $1" >&2; exit 2 ;;
    esac
done

say() { echo "vm-test: $*"; }
fail() { echo "vm-test: FAILED: $*" >&2; exit 1; }

RUNTIME=$(readlink -f "$RUNTIME" 2>/dev/null || echo "$RUNTIME")
ROOTFS_DIR=$(readlink -f "$ROOTFS_DIR" 2>/dev/null || echo "$ROOTFS_DIR")
[ -x "$RUNTIME" ] || fail "runtime '$RUNTIME' is not an executable (make build, or --runtime PATH)"
[ -x "$ROOTFS_DIR/bin/busybox" ] || fail "no busybox rootfs at '$ROOTFS_DIR' (make bundle, or --rootfs PATH)"
# runc (and crun) implement cgroup v2: run the cgroup checks against them.
if [ "$CGV2" = auto ]; then
    case "$(basename "$RUNTIME")" in runc|crun) CGV2=yes ;; esac
fi

# ---------------------------------------------------------------- deps
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e '^lock$' -e '^partial$' -e '^auxfiles$')" ] \
       || ! apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; then
        apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    fi
}
installed() { dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'; }

missing=()
installed qemu-system-x86 || missing+=(qemu-system-x86)
# The stock kernel: any /boot/vmlinuz-* will do, Debian's package brings one.
if [ -z "$KERNEL" ] && ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
    installed linux-image-amd64 || missing+=(linux-image-amd64)
fi
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt_install "${missing[@]}" || fail "apt-get install ${missing[*]} failed"
fi

find_vng() {
    local scripts
    command -v vng 2>/dev/null && return 0
    scripts=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))' 2>/dev/null) || return 1
    [ -x "$scripts/vng" ] && echo "$scripts/vng"
}
if ! VNG=$(find_vng); then
    say "installing virtme-ng with $PYTHON -m pip"
    "$PYTHON" -m pip install -q --disable-pip-version-check virtme-ng >/dev/null 2>&1 \
        || "$PYTHON" -m pip install -q --disable-pip-version-check --break-system-packages virtme-ng >/dev/null \
        || fail "pip install virtme-ng failed"
    hash -r
    VNG=$(find_vng) || fail "virtme-ng installed but no 'vng' found on PATH or in $PYTHON's scripts dir"
fi

if [ -z "$KERNEL" ]; then
    KERNEL=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
fi
[ -r "$KERNEL" ] || fail "no kernel image (looked for /boot/vmlinuz-*)"

# ---------------------------------------------------------------- boot
log=$(mktemp /tmp/vm-suite.XXXXXX)
inner=$(printf '%q ' bash "$here/inside.sh" --runtime "$RUNTIME" --rootfs "$ROOTFS_DIR" --cgroup-v2 "$CGV2")
[ -n "$ONLY" ] && inner+=$(printf -- '--only %q ' "$ONLY")
[ "$TRACE" = 1 ] && inner+="--trace"
say "kernel $KERNEL, runtime $RUNTIME, rootfs $ROOTFS_DIR"
say "booting: vng --run $KERNEL --disable-kvm --force-9p --cpus 2 --memory 2G --append cgroup_no_v1=all (timeout ${VM_TIMEOUT}s)"
t0=$(date +%s)
# The guest console may end lines with CR; strip it, line-buffered so the
# output streams into CI logs as it comes.
timeout -k 15 "$VM_TIMEOUT" "$VNG" --run "$KERNEL" --disable-kvm --force-9p \
    --cpus 2 --memory 2G --append cgroup_no_v1=all --exec "$inner" </dev/null 2>&1 \
    | stdbuf -oL tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - t0))

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n1)
nfail=$(grep -c '^FAIL ' "$log")
booted=0; grep -q '^kernel: ' "$log" && booted=1
rm -f "$log"

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    fail "VM run timed out after ${VM_TIMEOUT}s (exit $rc)"
fi
[ "$booted" = 1 ] || fail "the VM did not boot or did not start inside.sh (vng exit $rc, ${secs}s)"
[ -n "$summary" ] || fail "no summary line from the VM (vng exit $rc, ${secs}s)"
sfail=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$summary")
[ "$nfail" = 0 ] && [ "$sfail" = 0 ] || fail "$summary in the VM (${secs}s)"
[ "$rc" = 0 ] || fail "vng exited $rc (${secs}s)"
say "ok in ${secs}s"
