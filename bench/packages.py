"""Exit 0 when every requirement given is installed at its pinned version.

bench/run calls it before pip, so a run with everything in place does not ask
the package index anything:

    python bench/packages.py -r requirements.txt 'fastapi==0.165.0' ...

``-r FILE`` reads the requirements of a pip requirements file (one per line,
``#`` comments); other arguments are requirements themselves.
"""

from __future__ import annotations

import sys
from importlib import metadata

from packaging.requirements import Requirement


def installed(requirement: str) -> bool:
    """The package at a version the specifier allows, with its extras' packages."""
    wanted = Requirement(requirement)
    try:
        version = metadata.version(wanted.name)
    except metadata.PackageNotFoundError:
        return False
    if not wanted.specifier.contains(version, prereleases=True):
        return False
    for dependency in map(Requirement, metadata.requires(wanted.name) or []):
        marker = dependency.marker
        needed = marker is not None and any(
            marker.evaluate({"extra": extra}) for extra in wanted.extras
        )
        if needed and not installed(f"{dependency.name}{dependency.specifier}"):
            return False
    return True


def requirements(arguments: list[str]) -> list[str]:
    wanted, files = [], iter(arguments)
    for argument in files:
        if argument != "-r":
            wanted.append(argument)
            continue
        with open(next(files)) as file:
            lines = (line.partition("#")[0].strip() for line in file)
            wanted += [line for line in lines if line]
    return wanted


if __name__ == "__main__":
    sys.exit(0 if all(map(installed, requirements(sys.argv[1:]))) else 1)
