"""Check that this machine can run the course: `python -m helpers` (00-index)."""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import multiprocessing
import os
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

DISTRIBUTION = "hpc-asyncio-course-helpers"  # the course's name on the package index
FIX = "run `make install` (or `pip install -r requirements.txt -c constraints.txt`)"
NEWEST_TESTED = (3, 14)  # the newest Python `make test-pythons` covers
MIN_OPEN_FILES = 4096


def supported_pythons() -> SpecifierSet:
    """The Pythons the course supports: pyproject.toml's requires-python, as installed."""
    try:
        return SpecifierSet(importlib.metadata.metadata(DISTRIBUTION)["Requires-Python"] or "")
    except importlib.metadata.PackageNotFoundError:
        return SpecifierSet()


@dataclass(frozen=True)
class Check:
    """One line of the environment check: OK, WARN or FAIL, and what to do."""

    status: str
    item: str
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<4}  {self.item}: {self.detail}"


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    """Python must be one pyproject.toml allows; one newer than the course's tests, a warning."""
    found, supported = ".".join(map(str, version)), supported_pythons()
    if found not in supported:
        return Check("FAIL", "Python", f"{found} is not supported: install Python {supported}")
    if version[:2] > NEWEST_TESTED:
        newest = ".".join(map(str, NEWEST_TESTED))
        return Check("WARN", "Python", f"{found} is newer than the course's tests ({newest})")
    return Check("OK", "Python", f"{found} ({supported} needed)")


def check_gil() -> Check:
    """Whether this Python runs threads under a GIL, which notebooks 01 and 13 make visible."""
    import sysconfig

    from helpers.cpu.pools import gil_enabled

    if not gil_enabled():
        return Check("OK", "GIL", "off: a free-threaded build; threads run Python in parallel")
    free = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    return Check("OK", "GIL", "on (a free-threaded build with the GIL turned on)" if free else "on")


def course_requirements(distribution: str = DISTRIBUTION) -> list[Requirement]:
    """What the course needs to run, as pyproject.toml declares it, dev tools aside."""
    try:
        declared = importlib.metadata.requires(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise LookupError(f"{distribution} is not installed: {FIX}") from None
    requirements = [Requirement(line) for line in declared]
    return [r for r in requirements if r.marker is None or "extra" not in str(r.marker)]


@functools.cache
def _modules_by_owner() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def import_name(distribution: str) -> str:
    """The module a package installs under, e.g. `xdist` for pytest-xdist."""
    guess = distribution.lower().replace("-", "_")
    modules = sorted(
        module
        for module, owners in _modules_by_owner().items()
        if any(owner.lower().replace("-", "_") == guess for owner in owners)
        and not module.startswith("_")
    )
    return guess if guess in modules or not modules else modules[0]


def check_package(requirement: Requirement) -> Check:
    """The package is installed at a version the course was tested with, and imports."""
    name = requirement.name
    if requirement.marker is not None and not requirement.marker.evaluate():
        return Check("OK", name, f"not needed here ({requirement.marker})")
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return Check("FAIL", name, f"not installed: {FIX}")
    if requirement.specifier and not requirement.specifier.contains(version, prereleases=True):
        return Check("FAIL", name, f"{version} installed, {requirement.specifier} needed: {FIX}")
    module = import_name(name)
    try:
        importlib.import_module(module)
    except Exception as exc:
        return Check("FAIL", name, f"{version} installed but `import {module}` fails: {exc}")
    return Check("OK", name, version)


def check_cpus(count: int | None = os.cpu_count()) -> Check:
    """More than one CPU, or the speed-up demonstrations are skipped."""
    if not count:
        return Check("WARN", "CPUs", "unknown: speed-up demonstrations may be skipped")
    if count == 1:
        return Check("WARN", "CPUs", "1: parallel speed-up cannot be shown and is skipped")
    return Check("OK", "CPUs", str(count))


def check_start_method() -> Check:
    """Report the default multiprocessing start method."""
    method = multiprocessing.get_context().get_start_method()
    return Check("OK", "process start method", f"{method} (07-cpu-benchmark explains it)")


def check_open_files(limit: int | None = None) -> Check:
    """The open-file limit must allow thousands of sockets for notebook 05."""
    if limit is None:
        try:
            import resource
        except ImportError:
            return Check("OK", "open-file limit", "not limited per process on this system")
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit == -1 or limit >= MIN_OPEN_FILES:
        return Check("OK", "open-file limit", "unlimited" if limit == -1 else str(limit))
    return Check(
        "WARN",
        "open-file limit",
        f"{limit} is below {MIN_OPEN_FILES}: run `ulimit -n {MIN_OPEN_FILES}` in the terminal "
        "that starts JupyterLab (05-aiohttp stays within the limit, but shows less)",
    )


def check_loopback() -> Check:
    """A server can bind to 127.0.0.1 and a client can connect to it."""
    try:
        with socket.create_server(("127.0.0.1", 0)) as server:
            port = server.getsockname()[1]
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
    except OSError as exc:
        return Check("FAIL", "loopback server", f"cannot bind or connect on 127.0.0.1: {exc}")
    return Check("OK", "loopback server", f"127.0.0.1 accepts connections (tried port {port})")


def run_checks() -> list[Check]:
    """Every check, in the order a student should fix them."""
    checks = [check_python(), check_gil()]
    try:
        checks += [check_package(requirement) for requirement in course_requirements()]
    except LookupError as exc:
        checks.append(Check("FAIL", "requirements", str(exc)))
    checks += [check_cpus(), check_start_method(), check_open_files(), check_loopback()]
    return checks


def main() -> int:
    """Print one line per check; exit status 1 if any check failed."""
    checks = run_checks()
    for check in checks:
        print(check)
    failed = sum(check.status == "FAIL" for check in checks)
    print(f"{failed} failed" if failed else "All checks passed: the course can run here.")
    return 1 if failed else 0
