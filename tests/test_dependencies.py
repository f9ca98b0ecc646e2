"""pyproject.toml is the one source of dependencies; its lower bounds are tested versions."""

import importlib.metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from helpers.envcheck import DISTRIBUTION

ROOT = Path(__file__).resolve().parent.parent


def pinned() -> dict[str, list[Version]]:
    """Every version constraints.txt pins for each package (one per Python range, at times)."""
    versions: dict[str, list[Version]] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            requirement = Requirement(line)
            (version,) = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            versions.setdefault(requirement.name.lower(), []).append(Version(version))
    return versions


def test_every_lower_bound_is_the_oldest_version_constraints_txt_installs():
    versions = pinned()
    declared = [Requirement(line) for line in importlib.metadata.requires(DISTRIBUTION) or []]
    assert len(declared) > 15
    for requirement in declared:
        (bound,) = [s.version for s in requirement.specifier if s.operator == ">="]
        assert Version(bound) == min(versions[requirement.name.lower()]), requirement


def test_requirements_txt_only_refers_to_pyproject():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ["-e .[dev]"]
