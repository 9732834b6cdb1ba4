"""The one markdown-table helper."""

from __future__ import annotations

import pytest

from classifier.tables import markdown_table


def test_markdown_table_escapes_pipes_and_checks_widths() -> None:
    table = markdown_table(["a", "b"], [[1, "x|y"], ["", 2.5]])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| 1 | x\\|y |", "|  | 2.5 |"]
    with pytest.raises(ValueError, match="row has 1 cells, header 2"):
        markdown_table(["a", "b"], [["only"]])
