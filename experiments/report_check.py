"""Check the analyst report in headless Chromium, as an analyst would use it.

    .venv/bin/python experiments/report_check.py \
        [--report experiments/predictions/test_articles_report.html] [--out experiments/screenshots]

Opens the HTML file from disk and checks that (a) it loaded no resource at all (no network
request), (b) filtering by ``violation_reported`` leaves only articles with such a sentence
(report_1_filtered.png), (c) opening the first of them (or ``--open ID``) shows its text
with highlighted sentences whose hover text gives scores and thresholds
(report_2_article.png). Exits non-zero with one line if a check fails. Needs Chromium and
selenium, as experiments/ui_check.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from ui_check import CheckFailed, chromium, wait_until

ROOT = Path(__file__).resolve().parents[1]


def check_report(report: Path, out: Path, open_id: str | None = None) -> list[Path]:
    """Run the checks; return the screenshots written."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    if not report.is_file():
        raise CheckFailed(f"{report}: no such report (run the main job or classifier report)")
    out.mkdir(parents=True, exist_ok=True)
    shots = [out / "report_1_filtered.png", out / "report_2_article.png"]
    with tempfile.TemporaryDirectory() as profile, chromium(Path(profile)) as driver:
        driver.get(report.resolve().as_uri())
        wait_until(driver, lambda d: d.find_elements(By.ID, "articles"), "the article table")
        loaded = driver.execute_script("return performance.getEntriesByType('resource').length")
        if loaded:
            raise CheckFailed(f"the report loaded {loaded} resources; it must load none")
        rows = driver.find_elements(By.CSS_SELECTOR, "tr.article-row")
        Select(driver.find_element(By.ID, "label-filter")).select_by_value("violation_reported")
        shown = [row for row in rows if row.is_displayed()]
        if not shown:
            raise CheckFailed("no article left after filtering by violation_reported")
        for row in shown:
            if int(row.get_attribute("data-violation-reported")) < 1:
                raise CheckFailed(f"{row.text[:40]!r} shown without a violation_reported sentence")
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(shots[0]))
        chosen = [r for r in shown if r.find_element(By.TAG_NAME, "td").text == open_id]
        if open_id and not chosen:
            raise CheckFailed(f"article {open_id!r} is not among the filtered articles")
        (chosen or shown)[0].click()
        section = wait_until(
            driver,
            lambda d: [
                s for s in d.find_elements(By.CSS_SELECTOR, "section.article") if s.is_displayed()
            ],
            "the opened article",
        )[0]
        marked = section.find_elements(By.CSS_SELECTOR, "span.s.lab-violation_reported")
        if not marked:
            raise CheckFailed("the opened article highlights no violation_reported sentence")
        if "threshold" not in (marked[0].get_attribute("title") or ""):
            raise CheckFailed("a highlighted sentence has no scores and thresholds on hover")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", marked[0])
        driver.save_screenshot(str(shots[1]))
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--report", type=Path, default=ROOT / "experiments/predictions/test_articles_report.html"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "experiments/screenshots")
    parser.add_argument(
        "--open",
        help="article id to open (default: the first after filtering); screenshots "
        "that get committed should show a synthetic article, not text from ../shared",
    )
    args = parser.parse_args()
    try:
        shots = check_report(args.report, args.out, args.open)
    except CheckFailed as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    print("report checks passed; screenshots: " + ", ".join(str(p) for p in shots))


if __name__ == "__main__":
    main()
