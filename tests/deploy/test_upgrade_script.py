"""deploy/upgrade.sh's refusals, on this machine; the upgrade itself and its rollback run in the Debian
root of test_install_in_debian_root.py."""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "upgrade.sh"


def test_the_script_parses():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--health-timeout", "soon"), "takes 1 to 9999 seconds"),
        (("--health-timeout", "0"), "takes 1 to 9999 seconds"),
        (("--health-timeout",), "needs a number of seconds"),
        (("--force",), "unknown argument '--force'"),
    ],
)
def test_it_refuses_wrong_arguments_and_says_why(args, reason):
    result = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=30)
    assert (result.returncode, reason in result.stderr) == (2, True), result.stderr


@pytest.mark.skipif(Path("/etc/openrdv/install.answers").exists(), reason="this machine runs an installed OpenRDV")
def test_it_refuses_a_machine_where_nothing_was_installed():
    result = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "not installed here" in result.stderr and "install.sh first" in result.stderr
