"""The Label Studio round trip against a real Label Studio on 127.0.0.1 (slow).

Label Studio lives in its own virtualenv (its pins clash with ours): ``$LABEL_STUDIO`` names
its executable, else ``.cache/label-studio/bin/label-studio``; `.ci/run` installs it there.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from classifier.scale.local_server import free_port, stop, wait_until_answering
from helpers import ROOT, run_cli, write_jsonl

pytestmark = pytest.mark.slow
EXECUTABLE = Path(
    os.environ.get("LABEL_STUDIO", ROOT / ".cache" / "label-studio" / "bin" / "label-studio")
)
USER, PASSWORD = "ci@example.org", "ci-password-123"
ARTICLES = [
    {"id": "x1", "text": "Bawaslu menemukan ASN melanggar netralitas. Bupati meminta ASN netral."},
    {"id": "x2", "text": "Harga cabai naik. Aturan itu dalam UU Nomor 20 Tahun 2023."},
]


@pytest.fixture
def label_studio(tmp_path: Path):
    """A throw-away Label Studio with one user; yields (base URL, logged-in session)."""
    if not EXECUTABLE.exists():
        pytest.skip(f"Label Studio is missing ({EXECUTABLE}): see .ci/run for the install")
    import requests

    port, log = free_port(), tmp_path / "label-studio.log"
    env = {**os.environ, "LABEL_STUDIO_USERNAME": USER, "LABEL_STUDIO_PASSWORD": PASSWORD,
           "LABEL_STUDIO_BASE_DATA_DIR": str(tmp_path / "ls")}  # fmt: skip
    server = subprocess.Popen(
        [str(EXECUTABLE), "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(tmp_path / "ls")],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(server, f"{base}/health", 600, log)
        session = requests.Session()
        session.get(f"{base}/user/login/", timeout=60)
        login = {"email": USER, "password": PASSWORD,
                 "csrfmiddlewaretoken": session.cookies.get("csrftoken")}  # fmt: skip
        session.post(f"{base}/user/login/", data=login, headers={"Referer": base}, timeout=60)
        # Session auth: Django wants the CSRF token on every unsafe request.
        session.headers.update({"X-CSRFToken": session.cookies.get("csrftoken"), "Referer": base})
        assert session.get(f"{base}/api/projects", timeout=60).status_code == 200
        yield base, session
    finally:
        stop(server)


def test_tasks_go_through_label_studio_and_come_back(label_studio, tmp_path: Path) -> None:
    base, session = label_studio
    source = write_jsonl(tmp_path / "a.jsonl", ARTICLES)
    tasks_file = tmp_path / "tasks.json"
    exported = run_cli("annotate", "export", str(source), "-o", str(tasks_file))
    assert exported.returncode == 0, exported.stderr
    config = (ROOT / "docs" / "label_studio_config.xml").read_text("utf-8")
    project = session.post(f"{base}/api/projects", json={"title": "asn", "label_config": config},
                           timeout=60)  # fmt: skip
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    tasks = json.loads(tasks_file.read_text("utf-8"))
    imported = session.post(f"{base}/api/projects/{pid}/import", json=tasks, timeout=120)
    assert imported.status_code == 201, imported.text
    listed = session.get(f"{base}/api/tasks", params={"project": pid, "fields": "all"}, timeout=60)
    by_text = {t["data"]["text"]: t for t in listed.json()["tasks"]}
    assert len(by_text) == 4
    first = by_text["Bawaslu menemukan ASN melanggar netralitas."]
    assert first["predictions"], "the suggestions must arrive as pre-annotations"
    for text, choices in (("Bawaslu menemukan ASN melanggar netralitas.", ["violation_reported"]),
                          ("Harga cabai naik.", ["other"])):  # fmt: skip
        result = [{"from_name": "labels", "to_name": "text", "type": "choices",
                   "value": {"choices": choices}}]  # fmt: skip
        answer = session.post(f"{base}/api/tasks/{by_text[text]['id']}/annotations",
                              json={"result": result}, timeout=60)  # fmt: skip
        assert answer.status_code == 201, answer.text
    export = session.get(f"{base}/api/projects/{pid}/export", params={"exportType": "JSON"},
                         timeout=120)  # fmt: skip
    assert export.status_code == 200, export.text[:300]
    export_file = tmp_path / "export.json"
    export_file.write_bytes(export.content)
    into = tmp_path / "gold.jsonl"
    back = run_cli("annotate", "import", str(export_file), "--into", str(into), "--articles",
                   str(source))  # fmt: skip
    assert back.returncode == 0, back.stderr
    rows = [json.loads(line) for line in into.read_text("utf-8").splitlines()]
    assert [(r["article_id"], r["sentence_index"], r["labels"]) for r in rows] == [
        ("x1", 0, ["violation_reported"]), ("x2", 0, []),
    ]  # fmt: skip
    # Label Studio's JSON export names the annotator by user id only.
    assert all(r["annotator"] == "label-studio user 1" for r in rows), rows
