import pytest
from packaging.requirements import Requirement

from helpers import envcheck as check


def test_python_version_gate_follows_pyproject():
    assert str(check.supported_pythons()) == ">=3.11"
    assert check.check_python((3, 11, 0)).status == "OK"
    old = check.check_python((3, 10, 14))
    assert old.status == "FAIL"
    assert "3.10.14" in old.detail
    newer = check.check_python((3, 15, 0))
    assert newer.status == "WARN" and "newer than the course's tests" in newer.detail


def test_the_gil_is_reported():
    assert check.check_gil().item == "GIL"


def test_installed_package_passes():
    assert check.check_package(Requirement("pytest>=7")).status == "OK"


def test_missing_package_fails_with_the_fix():
    result = check.check_package(Requirement("no-such-package-for-the-course>=1"))
    assert result.status == "FAIL"
    assert "not installed" in result.detail
    assert "requirements.txt" in result.detail


def test_package_for_another_platform_is_not_needed():
    result = check.check_package(
        Requirement("no-such-package-for-the-course; sys_platform == 'os/2'")
    )
    assert result.status == "OK"
    assert "not needed here" in result.detail


def test_too_old_package_fails_naming_both_versions():
    result = check.check_package(Requirement("pytest>=999"))
    assert result.status == "FAIL"
    assert ">=999 needed" in result.detail


def test_course_requirements_are_the_runtime_ones_from_pyproject():
    names = {r.name for r in check.course_requirements()}
    assert {"jupyterlab", "aiohttp", "matplotlib", "tqdm", "packaging"} <= names
    assert not names & {"pytest", "nbval", "ruff", "mypy"}, "dev tools are not checked"


def test_course_not_installed_names_the_fix():
    with pytest.raises(LookupError, match="no-such-course is not installed: run `make install`"):
        check.course_requirements("no-such-course")


def test_one_cpu_warns():
    assert check.check_cpus(1).status == "WARN"
    assert check.check_cpus(2).status == "OK"


def test_low_open_file_limit_warns_with_the_fix():
    low = check.check_open_files(128)
    assert low.status == "WARN"
    assert "ulimit -n 256" in low.detail
    assert check.check_open_files(256).status == "OK"


def test_loopback_server_binds():
    assert check.check_loopback().status == "OK"


def test_main_exits_non_zero_on_any_failure(monkeypatch, capsys):
    monkeypatch.setattr(
        check, "run_checks", lambda: [check.Check("OK", "a", "fine"), check.Check("FAIL", "b", "x")]
    )
    assert check.main() == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "OK    a: fine"
    assert out[1] == "FAIL  b: x"
    assert out[-1] == "1 failed"


def test_main_exits_zero_when_all_pass(monkeypatch):
    monkeypatch.setattr(check, "run_checks", lambda: [check.Check("WARN", "a", "meh")])
    assert check.main() == 0


@pytest.mark.parametrize(
    ("distribution", "module"),
    [("pytest-xdist", "xdist"), ("nest-asyncio2", "nest_asyncio2"), ("jupyterlab", "jupyterlab")],
)
def test_import_name_follows_what_the_package_installs(distribution, module):
    assert check.import_name(distribution) == module
