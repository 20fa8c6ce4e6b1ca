"""The package metadata and the hashed lock files agree with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)((?: \\\n\s+--hash=sha256:[0-9a-f]{64})+)", re.M)


def pins(lock: str) -> dict[str, str]:
    """Package → version of a pip-compile lock, every pin required to carry a hash."""
    text = (ROOT / "requirements" / lock).read_text()
    found = {canonicalize_name(name): version for name, version, _ in PIN.findall(text)}
    pinned_lines = re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)
    assert len(pinned_lines) == len(found), f"{lock}: a pin without a sha256 hash"
    return found


def test_the_license_is_an_spdx_expression() -> None:
    """Issue 27, item 5: a TOML table made setuptools warn three times per install."""
    assert PYPROJECT["project"]["license"] == "LicenseRef-Proprietary"
    [backend] = PYPROJECT["build-system"]["requires"]
    assert not Requirement(backend).specifier.contains("76.9")  # SPDX support came in 77


@pytest.mark.parametrize(
    ("lock", "extras"), [("main.txt", []), ("dev.txt", ["dev"])], ids=["runtime", "dev"]
)
def test_the_lock_pins_every_dependency_within_its_floor(lock: str, extras: list[str]) -> None:
    """A dependency added without `make lock` fails here, naming the package."""
    wanted = list(PYPROJECT["project"]["dependencies"])
    for extra in extras:
        wanted += PYPROJECT["project"]["optional-dependencies"][extra]
    wanted += PYPROJECT["build-system"]["requires"]  # `--no-build-isolation` builds with it
    locked = pins(lock)
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements/{lock}: run `make lock`"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} pins {name}=={locked[name]}, outside {requirement.specifier}:"
            " run `make lock`"
        )
