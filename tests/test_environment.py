"""The conda environment, the pip dependencies and the pinned constraints agree."""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement

from .notebooks import ROOT


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        requirement = Requirement(line)
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", (
            f"{line}: pin exactly (==) so every machine gets the same versions")
        pins[re.sub(r"[-_.]+", "-", requirement.name).lower()] = next(iter(requirement.specifier)).version
    return pins


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _pins(project["dependencies"])


def test_environment_yml_has_the_same_packages_and_versions_as_pyproject():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    assert "python=3.11" in conda
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section, "conda users need course_lib installed too"
    assert _pins([line for line in pip_section if line != "-e ."]) == _pyproject()


def test_constraints_pin_every_direct_dependency_at_the_same_version():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    constraints = _pins([line for line in lines if line and not line.startswith("#")])
    for name, version in _pyproject().items():
        assert constraints.get(name) == version, name


def test_torch_is_pinned_to_the_local_cpu_build():
    # An unpinned torch pulls a multi-GB CUDA build; 2.13.0 is the CPU wheel this course targets.
    assert _pyproject()["torch"] == "2.13.0"
