"""The figures table of docs/reliability.md is rendered from what the tests counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.reliability.report import BEGIN, DOC, END, ROWS, render

pytestmark = pytest.mark.reliability


def test_the_table_replaces_what_was_between_the_markers() -> None:
    document = f"# Title\n\n{BEGIN}\nold table\n{END}\n\nAfter.\n"
    figures = {"files.hostile": {"tried": 23, "bad": 0}, "abuse.idor": {"tried": 90, "bad": 0}}

    rendered = render(document, figures, "full")

    assert rendered.startswith(f"# Title\n\n{BEGIN}\n| Area |")
    assert rendered.endswith(f"{END}\n\nAfter.\n")
    assert "old table" not in rendered
    assert "| 23 | accepted as a verified document | 0 |" in rendered
    assert "_Budget: full" in rendered


def test_a_figure_without_a_row_is_an_error() -> None:
    with pytest.raises(SystemExit):
        render(f"{BEGIN}{END}", {"no.such.figure": {"tried": 1, "bad": 0}}, "small")


def test_every_figure_a_test_counts_has_a_row() -> None:
    counted = set()
    for module in Path(__file__).parent.glob("test_*.py"):
        counted |= set(
            re.findall(
                r'"((?:input|files|abuse|faults|state_machine|privacy)\.[a-z_.]+)"',
                module.read_text(),
            )
        )
    assert counted <= set(ROWS), counted - set(ROWS)
    assert BEGIN in DOC.read_text() and END in DOC.read_text()
