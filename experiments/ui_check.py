"""End-to-end check of the MLflow UI over a tracking store, in headless Chromium.

    apt-get install -y chromium chromium-driver    # once, as root
    .venv/bin/pip install 'selenium>=4.20'         # once (the project's `ui` extra)
    .venv/bin/python experiments/ui_check.py [--backend-store-uri sqlite:///mlflow.db]
        [--experiment asn-neutrality] [--out experiments/screenshots]

It starts ``mlflow server`` on 127.0.0.1 over the store and checks, in the browser, that
(a) the experiment page lists the latest rules, TF-IDF and transformer runs with their metric
columns (01_experiment.png), (b) the compare view shows the metric names the three runs share
(02_compare.png) and (c) one run's artifact view shows evaluation/confusion_matrix.png as an
image that loaded (03_artifacts.png). Exits non-zero with one line if a check fails; the server
and the browser are always stopped. Nothing is written to the store by this script.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.errors import ConfigError, ServerError
from classifier.scale.local_server import free_port, stop, wait_until_answering
from classifier.training.promotion import latest_runs_by_kind

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("rules", "tfidf", "transformer")
KEY_METRIC = "test_macro_f1"
COLUMNS = (KEY_METRIC, "test_micro_f1", "validation_macro_f1", "train_seconds")
ARTIFACT = "evaluation/confusion_matrix.png"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
# Without the background-networking flags Chromium's own connections fail on a closed network.
CHROMIUM_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-sync"
    " --disable-background-networking --disable-component-update --window-size=1280,800"
).split()


class CheckFailed(Exception):
    """One UI check failed; the message is the one line shown to the user."""


@dataclass
class Expected:
    """What the UI should show, read from the store with the MLflow client."""

    store_uri: str
    experiment_id: str
    runs: dict[str, Any]  # model kind -> newest finished run of that kind
    metric_names: list[str]
    columns: list[str]  # the metric columns to show in the runs table


def expected_runs(store_uri: str, experiment: str) -> Expected:
    """The newest FINISHED run per model kind; all three kinds must log the same metric names."""
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=store_uri, registry_uri=store_uri)
    try:
        latest = {
            run.data.tags["model_kind"]: run for run in latest_runs_by_kind(experiment, client)
        }
    except ConfigError as error:
        raise CheckFailed(f"{error} in {store_uri}") from None
    found = client.get_experiment_by_name(experiment)
    missing = [kind for kind in KINDS if kind not in latest]
    if missing:
        raise CheckFailed(f"experiment {experiment!r} has no finished run of kind {missing}")
    names = {kind: set(latest[kind].data.metrics) for kind in KINDS}
    reference = names[KINDS[0]]
    for kind, kind_names in names.items():
        if kind_names != reference:
            diff = sorted(kind_names ^ reference)[:5]
            raise CheckFailed(f"{kind} and {KINDS[0]} log different metric names, e.g. {diff}")
    if KEY_METRIC not in reference:
        raise CheckFailed(f"the runs have no {KEY_METRIC} metric")
    columns = [name for name in COLUMNS if name in reference]
    runs_by_kind = {kind: latest[kind] for kind in KINDS}
    return Expected(store_uri, found.experiment_id, runs_by_kind, sorted(reference), columns)


def _artifact_root(store_uri: str, expected: Expected) -> str:
    """Where the store's runs already keep artifacts (``mlruns/`` beside a SQLite file)."""
    run_uri = expected.runs[KINDS[0]].info.artifact_uri  # file:///.../mlruns/<run>/artifacts
    if run_uri.startswith("file:"):
        return Path(urllib.parse.urlparse(run_uri).path).parents[1].as_uri()
    if store_uri.startswith("sqlite:///"):
        return (Path(store_uri.removeprefix("sqlite:///")).parent / "mlruns").resolve().as_uri()
    return run_uri.rsplit("/", 3)[0]


@contextmanager
def mlflow_server(store_uri: str, artifact_root: str, log: Path) -> Iterator[str]:
    """``mlflow server`` on a free local port; yields its base URL and always stops it."""
    port = free_port()
    mlflow = str(Path(sys.executable).with_name("mlflow"))
    command = [mlflow, "server", "--backend-store-uri", store_uri]
    command += ["--default-artifact-root", artifact_root, "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}
    with log.open("wb") as out:
        # Its own session, so stopping it also stops the worker processes it forks.
        server = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_answering(server, f"{url}/health", timeout=180, log=log)
        except ServerError as error:
            raise CheckFailed(f"mlflow server: {error}") from None
        yield url
    finally:
        stop(server)


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """Headless Chromium through /usr/bin/chromedriver (selenium-manager never downloads)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise CheckFailed("selenium is not installed: .venv/bin/pip install selenium") from None
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            raise CheckFailed(f"{path} not found: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        # The window size includes the browser's frame; pin the page's viewport instead.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False},
        )
        yield driver
    finally:
        driver.quit()


def wait_until(driver: Any, condition: Callable[[Any], Any], what: str, timeout: float = 60) -> Any:
    """Poll ``condition(driver)`` until it returns something truthy, else fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition(driver)
            if value:
                return value
        except Exception as error:  # a React re-render can detach an element mid-read
            last_error = error
        time.sleep(0.5)
    reason = f" ({type(last_error).__name__})" if last_error else ""
    raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}{reason}")


def page_text(driver: Any) -> str:
    """The visible text of the page."""
    return driver.execute_script("return document.body ? document.body.innerText : ''")


def open_route(driver: Any, url: str, route: str, params: dict[str, str] | None = None) -> None:
    """Open a hash route in the "Model training" workflow (3.x opens GenAI pages by default)."""
    query = urllib.parse.urlencode({**(params or {}), "workflowType": "machine_learning"})
    driver.get(f"{url}/#/{route}?{query}")


def close_assistant(driver: Any) -> None:
    """Close the MLflow Assistant side panel, which opens itself and covers a third of the page."""
    driver.execute_script(
        "const b = document.querySelector('button[aria-label=\"Close\"]'); if (b) b.click();"
    )
    time.sleep(0.5)


def seed_runs_view(driver: Any, url: str, expected: Expected) -> None:
    """Save the runs-table view a user would pick: metric columns, parent runs expanded.

    The experiment page keeps this view in localStorage under a versioned key; setting it before
    the page loads replaces clicks through the Columns menu and the row expanders. If a future
    MLflow renames the key, check (a) fails on the missing columns rather than passing silently.
    """
    parents = {r.data.tags.get("mlflow.parentRunId") for r in expected.runs.values()} - {None}
    state = {
        "selectedColumns": [f"metrics.`{name}`" for name in expected.columns],
        "runsExpanded": dict.fromkeys(parents, True),
    }
    key = f'MLflowLocalStorage-1.1-ExperimentPage-["{expected.experiment_id}"]-ReactComponentState'
    driver.get(f"{url}/")
    wait_until(driver, lambda d: d.execute_script("return !!document.body"), "the MLflow UI")
    driver.execute_script(
        "localStorage.setItem(arguments[0], arguments[1])", key, json.dumps(state)
    )


def numbers_on_page(driver: Any) -> list[float]:
    """Every number shown as its own line of text."""
    number = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")
    lines = (line.strip() for line in page_text(driver).split("\n"))
    return [float(line) for line in lines if number.fullmatch(line)]


def check_experiment_page(driver: Any, url: str, expected: Expected, out: Path) -> None:
    """(a) The runs table lists the three runs by name, with the metric columns and values."""
    seed_runs_view(driver, url, expected)
    open_route(driver, url, f"experiments/{expected.experiment_id}/runs")
    names = [run.info.run_name for run in expected.runs.values()]
    wait_until(
        driver,
        lambda d: all(f"\n{name}\n" in page_text(d) for name in names),
        f"the run names {names} on the experiment page",
        timeout=90,
    )
    headers = (
        "return Array.from(document.querySelectorAll('[role=columnheader]'), e => e.innerText)"
    )
    wait_until(
        driver,
        lambda d: set(expected.columns) <= set(d.execute_script(headers)),
        f"the metric columns {expected.columns} on the experiment page",
    )
    values = numbers_on_page(driver)
    for kind, run in expected.runs.items():
        value = run.data.metrics[KEY_METRIC]
        if not any(abs(v - value) < 1e-9 for v in values):
            raise CheckFailed(f"the experiment page does not show {kind}'s {KEY_METRIC} {value}")
    close_assistant(driver)
    driver.save_screenshot(str(out / "01_experiment.png"))


COMPARE_SETUP = """
for (const e of document.querySelectorAll('[class*=collapse-header]')) {
  if (['Visualizations', 'Parameters', 'Artifacts', 'Tags'].includes(e.innerText.trim())) e.click();
}
"""
# The metric table is virtualised: only the rows in view exist, so scroll it to read every name.
# It is a names grid beside a values grid; the names follow the values' scroll position one
# event late, so after each scroll the names grid is set to the values' position again.
METRIC_GRID = """
const [mode, value] = arguments;
const grids = Array.from(document.querySelectorAll('.ReactVirtualized__Grid'))
  .filter(g => g.scrollHeight > g.clientHeight);
const values = grids.find(g => getComputedStyle(g).overflowY !== 'hidden');
if (!values) return 'end';
const scroll = top => { for (const g of grids) g.scrollTop = top; };
if (mode === 'sync') { scroll(values.scrollTop); return 'synced'; }
if (mode === 'top') { scroll(value); return 'moved'; }
if (mode === 'find') {
  const row = Array.from(document.querySelectorAll('.ReactVirtualized__Grid [style*=top]'))
    .find(e => e.innerText.trim() === value);
  if (row) { scroll(row.offsetTop); return 'found'; }
}
if (values.scrollTop + values.clientHeight >= values.scrollHeight) return 'end';
scroll(values.scrollTop + values.clientHeight / 2);
return 'moved';
"""
# Run names at the top of the screen, the metric table below them.
SHOW_RUN_DETAILS = """
Array.from(document.querySelectorAll('[class*=collapse-header]'))
  .find(e => e.innerText.trim() === 'Run details').scrollIntoView({block: 'start'});
"""


def metric_grid(driver: Any, mode: str, value: object = None) -> str:
    """Scroll the compare view's metric table (see ``METRIC_GRID``) and let it settle."""
    state = driver.execute_script(METRIC_GRID, mode, value)
    time.sleep(0.3)
    driver.execute_script(METRIC_GRID, "sync", None)
    time.sleep(0.2)
    return state


def check_compare_view(driver: Any, url: str, expected: Expected, out: Path) -> None:
    """(b) The compare view shows the three runs and every metric name they share."""
    run_ids = json.dumps([run.info.run_id for run in expected.runs.values()])
    params = {"runs": run_ids, "experiments": json.dumps([expected.experiment_id])}
    open_route(driver, url, "compare-runs", params)
    names = [run.info.run_name for run in expected.runs.values()]
    wait_until(
        driver,
        lambda d: "Metrics" in page_text(d) and all(f"{n}\n" in page_text(d) for n in names),
        "the compare view with the three runs",
    )
    close_assistant(driver)
    driver.execute_script(COMPARE_SETUP)
    seen: set[str] = set()
    metric_grid(driver, "top", 0)
    for _ in range(500):  # half a screen per step: far more than 70 metrics need
        seen |= set(page_text(driver).split("\n"))
        if metric_grid(driver, "step") == "end":
            break
    seen |= set(page_text(driver).split("\n"))
    missing = [name for name in expected.metric_names if name not in seen]
    if missing:
        raise CheckFailed(f"the compare view does not show the metrics {missing[:5]}")
    metric_grid(driver, "top", 0)
    for _ in range(500):  # bring the key metric's row into view for the screenshot
        if metric_grid(driver, "find", KEY_METRIC) in ("found", "end"):
            break
    driver.execute_script(SHOW_RUN_DETAILS)
    time.sleep(0.5)
    driver.save_screenshot(str(out / "02_compare.png"))


def check_artifact_view(driver: Any, url: str, expected: Expected, out: Path) -> None:
    """(c) One run's artifact view shows the confusion matrix as an image that loaded."""
    run = expected.runs[KINDS[-1]]
    width = png_width(expected.store_uri, run.info.run_id)
    route = f"experiments/{expected.experiment_id}/runs/{run.info.run_id}/artifacts/{ARTIFACT}"
    open_route(driver, url, route)
    # The UI fetches the file and shows it from a blob: URL, so match the image by its width.
    script = (
        "return Array.from(document.images)"
        ".filter(i => i.complete && i.naturalWidth === arguments[0]).length"
    )
    wait_until(
        driver,
        lambda d: ARTIFACT in page_text(d) and d.execute_script(script, width),
        f"{ARTIFACT} ({width} px wide) shown as a loaded <img>",
    )
    close_assistant(driver)
    driver.save_screenshot(str(out / "03_artifacts.png"))


def png_width(store_uri: str, run_id: str) -> int:
    """The width of the confusion-matrix PNG, read from the store, not through the UI."""
    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="ui-check-artifact-") as scratch:
        path = mlflow.artifacts.download_artifacts(
            run_id=run_id, artifact_path=ARTIFACT, dst_path=scratch, tracking_uri=store_uri
        )
        header = Path(path).read_bytes()[:24]
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise CheckFailed(f"{ARTIFACT} of run {run_id} is not a PNG")
    return int.from_bytes(header[16:20], "big")


def run_checks(store_uri: str, experiment: str, out: Path) -> None:
    """All three checks against one store; raises :class:`CheckFailed` on the first failure."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow  # noqa: F401  (it configures its loggers on import; quieten them after)

    # Database-migration INFO lines would bury the one-line result.
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    db_path = Path(store_uri.removeprefix("sqlite:///"))
    if store_uri.startswith("sqlite:///") and not db_path.is_file():
        # Opening a missing SQLite file would create an empty store instead of failing.
        raise CheckFailed(f"no tracking store at {db_path}")
    expected = expected_runs(store_uri, experiment)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ui-check-") as scratch:
        scratch_dir = Path(scratch)
        root = _artifact_root(store_uri, expected)
        with (
            mlflow_server(store_uri, root, scratch_dir / "server.log") as url,
            chromium(scratch_dir / "profile") as driver,
        ):
            check_experiment_page(driver, url, expected, out)
            check_compare_view(driver, url, expected, out)
            check_artifact_view(driver, url, expected, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend-store-uri", default=f"sqlite:///{ROOT / 'mlflow.db'}")
    parser.add_argument("--experiment", default="asn-neutrality")
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "screenshots")
    args = parser.parse_args()
    try:
        run_checks(args.backend_store_uri, args.experiment, args.out)
    except CheckFailed as error:
        print(f"ui_check: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
    except Exception as error:  # e.g. Chromium failing to start: its first line is the reason
        first = (str(error).strip().splitlines() or [""])[0]
        print(f"ui_check: FAILED: {type(error).__name__}: {first}", file=sys.stderr)
        sys.exit(1)
    print(f"ui_check: OK, screenshots in {args.out}")


if __name__ == "__main__":
    main()
