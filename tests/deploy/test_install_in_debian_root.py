"""End to end: deploy/install.sh clinic --self-signed in a Debian 12 root built with debootstrap.

tests/deploy/chroot_install.sh builds the root once into /var/cache/openrdv-test-root (Debian's
packages, ~3 min, then reused), runs the install in a fresh copy inside a private network
namespace, then checks HTTPS through nginx with `curl --cacert`, a booking through nginx, and
backup → drop → restore, then deploy/upgrade.sh to a release that cannot start (rolled back, data
included) and to a good one. It needs root (chroot, mount, unshare), as CI is.
"""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "chroot_install.sh"


@pytest.mark.skipif(os.geteuid() != 0, reason="chroot, mount and unshare need root (CI runs as root)")
def test_the_install_serves_https_and_takes_a_booking_in_a_fresh_debian_12(tmp_path):
    result = subprocess.run(["bash", str(SCRIPT), str(tmp_path)], capture_output=True, text=True, timeout=1500)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert result.stdout.rstrip().endswith("OK"), result.stdout[-4000:]
    assert "backup, drop, restore: the booking is still there" in result.stdout
    assert "a broken upgrade was rolled back" in result.stdout, result.stdout[-4000:]
    assert "a good upgrade landed" in result.stdout, result.stdout[-4000:]
    print(result.stdout)
