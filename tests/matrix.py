"""The option combinations the template tests sweep, all derived from cookiecutter.json.

Two sets:

- STATIC_COMBINATIONS: every combination of the behavioural options (those
  that change app code or tests), each with the file-only options on, plus
  rows in which each file-only option is off beside every value of every other
  option; each is baked and checked statically (test_bake_matrix.py). A
  cosmetic option is spread over them so that each of its values meets each
  value of every other option.
- SUITE_COMBINATIONS: a pairwise (all-pairs) covering set of the behavioural
  options, plus all-on and all-off for each value of an option whose values are
  alternatives (the database): each runs the baked project's own tests
  (test_baked_suites.py).

A new option in cookiecutter.json (a list of choices or a boolean) flows into
both sets without a change here.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent
COOKIECUTTER = json.loads((TEMPLATE / "cookiecutter.json").read_text())

# Options with a fixed set of answers: a list of choices or a boolean (yes/no),
# in cookiecutter.json's order, each with its default first.
SWEPT_OPTIONS: dict[str, list] = {
    name: value if isinstance(value, list) else [value, not value]
    for name, value in COOKIECUTTER.items()
    if not name.startswith("_") and isinstance(value, list | bool)
}

# Options whose values change text but no control flow: the license decides
# LICENSE, the pyproject and README metadata and the license named in the
# OpenAPI document (a literal). Each value is baked with each value of every
# other option rather than in the full product, and each runs in at least one
# baked suite (the OpenAPI test names it).
COSMETIC_OPTIONS = ("open_source_license",)

# Options that only add files no baked app code or baked test reads: use_docker
# (Dockerfile, .dockerignore) and use_github_actions (.github/). A baked suite
# runs the same tests with or without them, so they are not behavioural; their
# files are checked here statically in every combination and by
# test_tooling.py (hadolint, zizmor, check-jsonschema).
# test_file_only_options_touch_no_app_code_or_tests proves the claim.
FILE_ONLY_OPTIONS = ("use_docker", "use_github_actions")

# Behavioural options that add a part in files of its own, meeting the other
# options only in whole lines (an import, an init_app call, a dependency, a
# gunicorn hook): use_metrics. Statically each is baked on in every combination
# of the other options, and off beside every value of every other option
# (pairwise), not in the full product, which each would double; the baked
# suites cover their pairs like any behavioural option's.
ADD_ON_OPTIONS = ("use_metrics",)

# Every other swept option changes the baked app or its tests (a new one too,
# until it is listed above with a reason): the baked suites cover its pairs.
BEHAVIOUR_OPTIONS = tuple(
    name
    for name in SWEPT_OPTIONS
    if name not in COSMETIC_OPTIONS and name not in FILE_ONLY_OPTIONS
)

# For an option with a list of choices: (the value that enables the most, the
# one that enables the least), for the all-on and all-off combinations. A list
# option without an entry (database: sqlite or postgresql) has values that are
# alternatives, not degrees: all-on and all-off are baked with each of them.
CHOICE_EXTREMES = {"cache_backend": ("redis", "none"), "auth": ("jwt", "none")}


def alternative_options() -> list[str]:
    return [
        name
        for name in BEHAVIOUR_OPTIONS
        if not isinstance(COOKIECUTTER[name], bool) and name not in CHOICE_EXTREMES
    ]


def combinations(options: dict[str, list]) -> list[dict]:
    """The full product, in cookiecutter.json's order."""
    names = list(options)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*options.values())
    ]


def combination_id(context: dict) -> str:
    parts = []
    for name, value in context.items():
        if value is True:
            parts.append(name)
        elif value is False:
            parts.append(f"no_{name}")
        else:
            parts.append(f"{name}={value}")
    return "-".join(parts)


def in_cookiecutter_order(context: dict) -> dict:
    return {name: context[name] for name in SWEPT_OPTIONS if name in context}


# --- pairs ----------------------------------------------------------------


Pair = tuple[tuple[str, object], tuple[str, object]]


def all_pairs(options: dict[str, list]) -> set[Pair]:
    """Every pair of values of two different options."""
    return {
        ((first, first_value), (second, second_value))
        for first, second in itertools.combinations(options, 2)
        for first_value in options[first]
        for second_value in options[second]
    }


def pairs_of(context: dict, options: Iterable[str]) -> set[Pair]:
    names = [name for name in options if name in context]
    return {
        ((first, context[first]), (second, context[second]))
        for first, second in itertools.combinations(names, 2)
    }


def missing_pairs(contexts: list[dict], options: dict[str, list]) -> set[Pair]:
    covered = set().union(*(pairs_of(context, options) for context in contexts))
    return all_pairs(options) - covered


def pairwise_cover(options: dict[str, list], seeds: list[dict]) -> list[dict]:
    """``seeds``, then rows until every pair of values of two options is in one.

    Greedy and deterministic. The pairs of the options with the most values
    need the most rows, so each new row starts from one of the uncovered pairs
    whose options have the most values: each such pair is tried as a start,
    the other options filled, most values first, with the value that covers
    the most uncovered pairs (the earlier value on a tie); the row that covers
    the most is kept (the earliest on a tie).
    """
    names = list(options)
    fill_order = sorted(names, key=lambda name: -len(options[name]))
    rank = {
        (name, value): (-len(options[name]), names.index(name), index)
        for name in names
        for index, value in enumerate(options[name])
    }
    rows = [{name: seed[name] for name in names} for seed in seeds]
    uncovered = missing_pairs(rows, options)

    def new_pairs(row: dict) -> int:
        return len(pairs_of(row, names) & uncovered)

    def sizes(pair: Pair) -> tuple[int, int]:
        return rank[pair[0]][0], rank[pair[1]][0]

    def grow(start: Pair) -> dict:
        row = dict(start)
        for name in fill_order:
            if name not in row:
                row[name] = max(
                    options[name],
                    key=lambda value: (
                        new_pairs({**row, name: value}),
                        -options[name].index(value),
                    ),
                )
        return {name: row[name] for name in names}

    while uncovered:
        starts = sorted(uncovered, key=lambda pair: (rank[pair[0]], rank[pair[1]]))
        hardest = sizes(starts[0])
        best = max(
            (grow(start) for start in starts if sizes(start) == hardest),
            key=new_pairs,
        )
        rows.append(best)
        uncovered -= pairs_of(best, names)
    return rows


def spread(contexts: list[dict], option: str) -> list[dict]:
    """Give each context a value of ``option`` so that each value meets each
    value of every other option at least once (when there are enough contexts).

    Greedy: the value that meets the most values it has not met yet, the least
    used one on a tie, then the earliest.
    """
    values = SWEPT_OPTIONS[option]
    met: set[tuple[object, str, object]] = set()
    used = dict.fromkeys(values, 0)
    spread_contexts = []
    for context in contexts:

        def score(value, context=context):
            fresh = sum(
                (value, name, other) not in met for name, other in context.items()
            )
            return (fresh, -used[value], -values.index(value))

        value = max(values, key=score)
        used[value] += 1
        met.update((value, name, other) for name, other in context.items())
        spread_contexts.append(in_cookiecutter_order({**context, option: value}))
    return spread_contexts


def with_cosmetic_options(contexts: list[dict]) -> list[dict]:
    for option in COSMETIC_OPTIONS:
        contexts = spread(contexts, option)
    return contexts


# --- the two sets -----------------------------------------------------------


STATIC_OPTIONS = {
    name: values
    for name, values in SWEPT_OPTIONS.items()
    if name not in COSMETIC_OPTIONS
}
# Every combination of the behavioural options, each with the file-only and
# add-on options on, so that their files (whose text follows the behavioural options:
# compose.yaml names the database and the cache) meet every combination; then
# as few rows as make each file-only or add-on option's other value (off: its
# files pruned) meet every value of every other option.
WITH_FILES = combinations(
    {
        name: [True] if name in FILE_ONLY_OPTIONS + ADD_ON_OPTIONS else values
        for name, values in STATIC_OPTIONS.items()
    }
)
STATIC_COMBINATIONS = with_cosmetic_options(pairwise_cover(STATIC_OPTIONS, WITH_FILES))


def extremes(on: bool) -> list[dict]:
    """All-on (or all-off) of the behavioural options, once per combination of
    the options whose values are alternatives."""
    alternatives = alternative_options()
    fixed = {}
    for name in BEHAVIOUR_OPTIONS:
        if isinstance(COOKIECUTTER[name], bool):
            fixed[name] = on
        elif name in CHOICE_EXTREMES:
            fixed[name] = CHOICE_EXTREMES[name][0 if on else 1]
    return [
        {name: {**fixed, **choice}[name] for name in BEHAVIOUR_OPTIONS}
        for choice in combinations({name: SWEPT_OPTIONS[name] for name in alternatives})
    ]


BEHAVIOUR_VALUES = {name: SWEPT_OPTIONS[name] for name in BEHAVIOUR_OPTIONS}
EXTREMES = [
    context
    for on_and_off in zip(extremes(True), extremes(False), strict=True)
    for context in on_and_off
]
SUITE_COMBINATIONS = with_cosmetic_options(pairwise_cover(BEHAVIOUR_VALUES, EXTREMES))


# --- baking many at once ----------------------------------------------------


def _quiet_baker(scratch: str) -> None:
    # The post-gen hook prints next steps; cookiecutter leaves rendered hooks
    # in the temporary directory.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    tempfile.tempdir = scratch


def _bake_one(job: tuple[str, str, dict]) -> tuple[str, str | None]:
    from cookiecutter.main import cookiecutter

    config, output_dir, context = job
    try:
        cookiecutter(
            str(TEMPLATE),
            no_input=True,
            extra_context=context,
            output_dir=output_dir,
            config_file=config,
        )
    except Exception as error:  # reported per combination
        return output_dir, f"{type(error).__name__}: {error}"[:3000]
    return output_dir, None


def bake_all(tree: Path, contexts: list[dict]) -> dict[str, str]:
    """Bake each context into ``tree/<combination id>/``, in parallel, with
    cookiecutter's Python API; return the errors of those that failed, by id."""
    scratch = tree / ".scratch"
    scratch.mkdir(parents=True)
    config = scratch / "config.yaml"
    config.write_text(
        f'cookiecutters_dir: "{scratch / "cookiecutters"}"\n'
        f'replay_dir: "{scratch / "replay"}"\n'
    )
    jobs = [
        (str(config), str(tree / combination_id(context)), context)
        for context in contexts
    ]
    with ProcessPoolExecutor(
        max_workers=os.cpu_count(),
        mp_context=get_context("spawn"),
        initializer=_quiet_baker,
        initargs=(str(scratch),),
    ) as pool:
        results = list(pool.map(_bake_one, jobs, chunksize=8))
    shutil.rmtree(scratch)
    return {Path(path).name: error for path, error in results if error}


def lint_all(tree: Path) -> dict[str, list[str]]:
    """One ``ruff check`` and one ``ruff format --check`` over every bake in
    ``tree``; each finding under the id of the combination it belongs to (the
    first part of its path). Findings outside any bake go under ``""``."""
    findings: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        relative = Path(path).resolve().relative_to(tree.resolve())
        findings.setdefault(relative.parts[0], []).append(
            f"{Path(*relative.parts[1:]).as_posix()}: {message}"
        )

    ruff = [sys.executable, "-m", "ruff"]
    check = subprocess.run(
        [*ruff, "check", "--no-cache", "--output-format", "json", "."],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    if check.returncode not in (0, 1):
        findings.setdefault("", []).append(f"ruff check failed: {check.stderr}")
    else:
        for finding in json.loads(check.stdout):
            location = finding.get("location") or {}
            add(
                finding["filename"],
                f"ruff check {finding.get('code')} at line {location.get('row')}: "
                f"{finding['message']}",
            )

    formatting = subprocess.run(
        [*ruff, "format", "--check", "--no-cache", "."],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    for line in formatting.stdout.splitlines():
        if line.startswith("Would reformat: "):
            add(tree / line.removeprefix("Would reformat: "), "ruff format")
    # A file ruff cannot format is named on stderr; anything else is global.
    for line in formatting.stderr.splitlines():
        files = [
            word
            for word in re.split(r"[\s:]+", line)
            if word and (tree / word).is_file()
        ]
        if files:
            add(tree / files[0], f"ruff format: {line}")
        elif formatting.returncode not in (0, 1) and line.strip():
            findings.setdefault("", []).append(f"ruff format --check: {line}")
    return findings
