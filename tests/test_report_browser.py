"""The analyst report in headless Chromium: filter by label, open an article (slow)."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, run_cli, write_jsonl

pytestmark = pytest.mark.slow

ARTICLES = [
    {"id": f"berita-{i}", "text": text}
    for i, text in enumerate(
        [
            "Bawaslu menemukan dua ASN melanggar netralitas saat kampanye. Warga berdatangan.",
            "Harga cabai naik lagi di pasar. Pedagang mengeluh.",
            "Bupati meminta seluruh ASN tetap netral. Bawaslu menemukan ASN melanggar netralitas.",
        ]
    )
]


def test_report_filters_and_opens_an_article(model_dir: Path, tmp_path: Path) -> None:
    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(tool).exists():
            pytest.skip(f"{tool} is missing: apt-get install -y chromium chromium-driver")
    pytest.importorskip("selenium", reason="selenium is missing: pip install -e '.[ui]'")
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    out, html = tmp_path / "out.jsonl", tmp_path / "report.html"
    assert (
        run_cli("predict", "-m", str(model_dir), "-i", str(source), "-o", str(out)).returncode == 0
    )
    assert run_cli("report", "-p", str(out), "-o", str(html)).returncode == 0
    check = subprocess.run(
        [sys.executable, str(ROOT / "experiments" / "report_check.py"), "--report", str(html),
         "--out", str(tmp_path / "shots")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    for name in ("report_1_filtered.png", "report_2_article.png"):
        header = (tmp_path / "shots" / name).read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n"
        assert struct.unpack(">II", header[16:24])[0] >= 800
