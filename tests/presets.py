"""Named sets of answers the deploy and tooling tests bake with.

Derived from cookiecutter.json (through matrix.py), so a new option is in each
preset: its default, or its most and least enabled value.
"""

from matrix import (
    CHOICE_EXTREMES,
    COOKIECUTTER,
    COSMETIC_OPTIONS,
    SWEPT_OPTIONS,
)

_OPTIONS = [name for name in SWEPT_OPTIONS if name not in COSMETIC_OPTIONS]


def _extreme(name: str, on: bool):
    if isinstance(COOKIECUTTER[name], bool):
        return on
    if name in CHOICE_EXTREMES:
        return CHOICE_EXTREMES[name][0 if on else 1]
    return SWEPT_OPTIONS[name][0]  # alternatives (the database): the default


# cookiecutter.json's defaults, spelled out: the combination most people get.
DEFAULTS = {name: SWEPT_OPTIONS[name][0] for name in _OPTIONS}
# Everything that can be on, with the cache that needs the most (Redis).
ALL_ON = {name: _extreme(name, on=True) for name in _OPTIONS}
ALL_OFF = {name: _extreme(name, on=False) for name in _OPTIONS}
