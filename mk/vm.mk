# ---------------------------------------------------------------- vm-test
# The pure cgroup v2 suite: one qemu VM (software emulation, no KVM) booting
# Debian's stock kernel with cgroup_no_v1=all through virtme-ng, running
# Tests/vm/inside.sh against the release binary and the busybox rootfs.
# See Docs/VM-TESTS.md. Included from the main Makefile (`include mk/vm.mk`).
#
# Knobs: VM_TESTS=0 skips it (printing why); VM_TIMEOUT=2400 bounds the whole VM
# run in seconds; VM_ONLY=REGEX runs only matching checks; VM_RUNTIME=PATH
# tests another binary (e.g. /usr/sbin/runc, which runs the cgroup checks
# regardless of `features`); VM_ROOTFS=PATH another rootfs.

VM_TESTS   ?= 1
VM_TIMEOUT ?= 2400
VM_ONLY    ?=
VM_RUNTIME ?= $(or $(SWIFTRUN),$(abspath .build/release/swiftrun))
VM_ROOTFS  ?= $(abspath $(or $(ROOTFS),Bundles/busybox/rootfs))

.PHONY: vm-test

ifeq ($(VM_TESTS),1)
vm-test: build bundle
	VM_TIMEOUT=$(VM_TIMEOUT) VM_ONLY='$(VM_ONLY)' \
	    bash Tests/vm/run-vm-suite.sh --runtime '$(VM_RUNTIME)' --rootfs '$(VM_ROOTFS)'
else
vm-test:
	@echo "vm-test: skipped because VM_TESTS=$(VM_TESTS) (set VM_TESTS=1 to boot the cgroup v2 VM suite)"
endif
