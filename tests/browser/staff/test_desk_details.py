"""The Today page's search folding (web/staff/src/fold.js) under Node, as the bundle runs it:
what a clerk types on a German keyboard finds how the name is written, both sides folded alike."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from infra.local_stack import REPO_ROOT

PAIRS = [
    ("Yilmaz", "Y\u0131lmaz"),
    ("Strasse", "Straße"),
    ("Mueller", "Müller"),
    ("Muller", "Müller"),
    ("UEBEL", "Übel"),
    ("Ubel", "Übel"),
    ("aero", "Ærø"),
    ("Dordevic", "Đorđević"),
    ("lodz", "Łódź"),
    ("Y\u0131lmaz", "Yilmaz"),
    ("12.04.1991", "12.04.1991"),
]
MISSES = [("Yilmaz", "Demir"), ("Haddad", "Hadid")]


def test_search_folds_what_a_german_keyboard_types_onto_the_written_name() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the staff console (make staff-console)")
    script = (
        'import { fold } from "./web/staff/src/fold.js";'
        "const pairs = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(pairs.map(([q, name]) => fold(name).includes(fold(q)))));"
    )
    answer = subprocess.run(
        [node, "--input-type=module", "-e", script, json.dumps(PAIRS + MISSES)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    found = json.loads(answer.stdout)
    expected = [True] * len(PAIRS) + [False] * len(MISSES)
    assert found == expected, list(zip(PAIRS + MISSES, found, strict=True))
