import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from helpers import BINARY, IS_RUNC, REPO, Runtime, make_bundle  # noqa: E402


def pytest_report_header(config):
    return "runtime under test: %s (%s)" % (BINARY, "runc" if IS_RUNC else "swiftrun")


@pytest.fixture(scope="session", autouse=True)
def _require_root_and_binary():
    if os.geteuid() != 0:
        pytest.exit("the integration suite must run as root", returncode=2)
    if not os.access(BINARY, os.X_OK):
        pytest.exit("runtime binary not found or not executable: %s "
                    "(build it or set SWIFTRUN=/path/to/runtime)" % BINARY, returncode=2)


@pytest.fixture(scope="session")
def rootfs(tmp_path_factory):
    """The busybox rootfs, built once per session."""
    dest = str(tmp_path_factory.mktemp("rootfs-session") / "rootfs")
    subprocess.run(["sh", os.path.join(REPO, "Bundles", "make-rootfs.sh"), dest],
                   check=True, capture_output=True)
    return dest


@pytest.fixture
def rt(tmp_path):
    """A runtime wrapper with a private --root; deletes (--force) every
    container it created when the test ends, even on failure."""
    root = tmp_path / "state-root"
    root.mkdir()
    r = Runtime(str(root))
    yield r
    r.cleanup()


@pytest.fixture
def bundle(tmp_path, rootfs):
    """Factory: bundle(copy_rootfs=True, name='bundle') -> Bundle.

    With copy_rootfs the bundle gets a private `cp -a` copy of the rootfs
    (root.path "rootfs", writable); without it root.path is the shared
    absolute rootfs path, read-only."""
    counter = [0]

    def make(copy_rootfs=True, name=None):
        counter[0] += 1
        return make_bundle(tmp_path, rootfs, copy_rootfs=copy_rootfs,
                           name=name or "bundle%d" % counter[0])
    return make
