"""environment.yml (conda) stays in step with pyproject.toml (pip)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: pip name -> conda-forge name, where they differ.
CONDA_NAMES = {"duckdb": "python-duckdb", "matplotlib": "matplotlib-base"}


def _split(req: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", req)
    assert match, req
    return match.group(1).lower(), match.group(3).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {}
    for req in project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                          for r in extra]:
        name, spec = _split(req)
        wanted[CONDA_NAMES.get(name, name)] = spec
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    have = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep not in ("pip",):
            name, spec = _split(dep)
            have[name] = spec
    python = have.pop("python")
    assert python == project["requires-python"]
    assert have == wanted
