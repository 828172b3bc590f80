"""Static check of the kernels' parallel loops.

Cython makes a variable thread-private in a ``prange`` body only when the body assigns it. A
variable written only through its address (``bytes_at(src, i, &ln)``) stays *shared* between the
threads: a data race that gave wrong ValueIndex lookups on 250k-row probes. Every variable whose
address a ``prange`` body takes must therefore also be assigned in that body.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "frame" / "_core"
SOURCES = sorted(CORE.glob("*.pyx"))


def shared_by_address(source: str) -> list[str]:
    lines = source.split("\n")
    problems = []
    for i, line in enumerate(lines):
        m = re.match(r"(\s*)for .* in prange\(", line)
        if not m:
            continue
        indent = len(m.group(1))
        body = []
        for j in range(i + 1, len(lines)):
            text = lines[j]
            if text.strip() and len(text) - len(text.lstrip()) <= indent:
                break
            body.append((j + 1, text))
        assigned = {
            name
            for _, text in body
            for name in re.findall(r"^\s*([A-Za-z_]\w*)\s*(?:=|\+=|-=)(?!=)", text)
        }
        for number, text in body:
            for name in re.findall(r"&([A-Za-z_]\w*)\b(?!\s*\[)", text):
                if name not in assigned:
                    problems.append(f"line {number}: &{name}: {text.strip()}")
    return problems


def test_checker_finds_the_race_it_guards_against() -> None:
    bad = "    for i in prange(n, nogil=True):\n        p = bytes_at(src, i, &ln)\n"
    good = "    for i in prange(n, nogil=True):\n        ln = 0\n        p = bytes_at(src, i, &ln)\n"
    assert shared_by_address(bad) == ["line 2: &ln: p = bytes_at(src, i, &ln)"]
    assert shared_by_address(good) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_prange_bodies_assign_every_address_taken_variable(path: Path) -> None:
    assert shared_by_address(path.read_text()) == []
