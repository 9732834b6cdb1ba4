"""``classifier report``: a self-contained, escaped HTML page over predictions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import assert_one_line_error, run_cli, write_jsonl

ARTICLES = [
    {
        "id": "berita-1",
        "text": "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye. Bupati meminta "
        "seluruh ASN tetap netral. Aturan itu tercantum dalam UU Nomor 20 Tahun 2023.",
    },
    {"id": "berita-2", "text": "Harga cabai naik lagi. <script>alert('x')</script> kata warga."},
]


@pytest.fixture(scope="module")
def predicted(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report")
    source = write_jsonl(folder / "articles.jsonl", ARTICLES)
    out, summary = folder / "out.jsonl", folder / "summary.jsonl"
    result = run_cli(
        "predict", "-m", str(model_dir), "-i", str(source), "-o", str(out), "--summary",
        str(summary),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {"folder": folder, "out": out, "summary": summary}


def test_report_is_self_contained_escaped_and_complete(predicted: dict[str, Path]) -> None:
    html_path = predicted["folder"] / "report.html"
    result = run_cli(
        "report", "-p", str(predicted["out"]), "--summary", str(predicted["summary"]),
        "-o", str(html_path), "--title", "Uji <b>laporan</b>",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = html_path.read_text("utf-8")
    # The article's own <script> is text, not markup: only the page's one script tag exists.
    assert "&lt;script&gt;alert(" in html and html.count("<script>") == 1
    assert "Uji &lt;b&gt;laporan&lt;/b&gt;" in html
    # No network request: no external src/href, no @import, no url( to a remote place.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(http" not in html
    meta = json.loads(Path(str(predicted["out"]) + ".meta.json").read_text("utf-8"))
    assert meta["model"] in html and f"{meta['articles']} articles" in html
    rows = [json.loads(line) for line in predicted["out"].read_text("utf-8").splitlines()]
    for row in rows:  # every sentence appears, with its scores and thresholds on hover
        assert row["text"].replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;") in html
    assert html.count('class="article-row"') == 2
    assert "threshold" in html and "<svg" in html


def test_report_size_grows_linearly(predicted: dict[str, Path], tmp_path: Path) -> None:
    from classifier.inference.report import build_report, render_report

    rows = [json.loads(line) for line in predicted["out"].read_text("utf-8").splitlines()]
    sizes = []
    for copies in (10, 40):
        many = [{**r, "article_id": f"{r['article_id']}-{i}"} for i in range(copies) for r in rows]
        path = write_jsonl(tmp_path / f"p{copies}.jsonl", many)
        sizes.append(len(render_report(build_report(path))))
    base = len(render_report(build_report(predicted["out"])))
    per_copy = (sizes[1] - sizes[0]) / 30
    assert abs((sizes[0] - base) - per_copy * 9) < per_copy  # a straight line through all three


def test_bad_report_inputs(predicted: dict[str, Path], tmp_path: Path) -> None:
    html = tmp_path / "r.html"
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    assert_one_line_error(
        run_cli("report", "-p", str(empty), "-o", str(html)), "contains no predictions"
    )
    other = write_jsonl(
        tmp_path / "s.jsonl", [{"article_id": "lain", "has_violation_report": False}]
    )
    mismatched = run_cli(
        "report", "-p", str(predicted["out"]), "--summary", str(other), "-o", str(html)
    )
    assert_one_line_error(mismatched, "articles do not match")
    sentences = write_jsonl(tmp_path / "sent.jsonl", [{"id": "1", "text": "x", "labels": []}])
    assert_one_line_error(
        run_cli("report", "-p", str(sentences), "-o", str(html)), "not article-mode predictions"
    )
    html.write_text("old", encoding="utf-8")
    assert_one_line_error(
        run_cli("report", "-p", str(predicted["out"]), "-o", str(html)), "already exists"
    )
    assert html.read_text("utf-8") == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
