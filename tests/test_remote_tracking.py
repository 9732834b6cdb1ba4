"""Train, promote and predict through a running tracking server (``http://``), end to end.

The server is started with ``scripts/tracking_server.sh`` (``mlflow server --serve-artifacts``)
on a PostgreSQL backend: a throw-away cluster from the Debian ``postgresql`` binaries on a free
local port. Without those binaries (or without psycopg2) the server falls back to SQLite, with a
one-line warning, and the HTTP path is still tested in full.
"""

from __future__ import annotations

import glob
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from mlflow import MlflowClient

from classifier.errors import ServerError
from classifier.labels import LABEL_IDS
from classifier.scale.local_server import free_port, stop, wait_until_answering

ROOT = Path(__file__).resolve().parents[1]
CLASSIFIER = str(Path(sys.executable).with_name("classifier"))
NAME = "asn-neutrality-smoke"
ARTICLES = [
    {
        "id": "remote-1",
        "title": "Bawaslu Garut",
        "text": "Bawaslu Garut menemukan 3 ASN melanggar netralitas saat kampanye. "
        "Bupati Garut meminta seluruh ASN tetap netral dalam Pilkada. "
        "Warga Garut memadati pasar pada pagi hari.",
    },
    {
        "id": "remote-2",
        "text": "Hingga kini Bawaslu Bone tidak menemukan pelanggaran netralitas ASN. "
        "Aturan itu tercantum dalam UU Nomor 20 Tahun 2023 tentang ASN di Bone.",
    },
]
pytestmark = pytest.mark.slow


def _tail(path: Path, chars: int = 2000) -> str:
    return path.read_text("utf-8", errors="replace")[-chars:] if path.exists() else ""


def _pg_bin() -> Path | None:
    """The newest Debian PostgreSQL bin directory (``/usr/lib/postgresql/N/bin``), if any."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@dataclass
class _Postgres:
    """A throw-away cluster run as the ``postgres`` user when the tests run as root."""

    bin: Path
    base: Path
    port: int

    def run(self, tool: str, *args: str, timeout: float = 120) -> None:
        # PostgreSQL refuses to run as root; runuser keeps our environment and needs no password.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, str(self.bin / tool), *args],
            cwd=self.base,  # the postgres user may not be able to enter the test's cwd
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            pytest.fail(f"{tool} failed: {(done.stderr or done.stdout)[-1500:]}")

    def start(self) -> str:
        """initdb + pg_ctl start + an ``mlflow`` role and database; returns the SQLAlchemy URI."""
        data = self.base / "data"
        self.run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        log = self.base / "server.log"
        self.run(
            "pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "90", "-o", options, "start"
        )
        client = ["-h", str(self.base), "-p", str(self.port), "-U", "postgres"]
        self.run("createuser", *client, "mlflow")
        self.run("createdb", *client, "-O", "mlflow", "mlflow")
        # The driver is named: SQLAlchemy >= 2.1 maps a bare postgresql:// to psycopg 3.
        return f"postgresql+psycopg2://mlflow@127.0.0.1:{self.port}/mlflow"

    def stop(self) -> None:
        """Stop the cluster (fast shutdown) and delete its files."""
        try:
            if (self.base / "data" / "postmaster.pid").exists():
                self.run("pg_ctl", "-D", str(self.base / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def backend_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL URI for the server's metadata, or a SQLite one when PostgreSQL is absent."""
    pg_bin = _pg_bin()
    missing = (
        "PostgreSQL binaries (Debian package postgresql) not found"
        if pg_bin is None
        else "psycopg2 not installed (pip install psycopg2-binary)"
        if importlib.util.find_spec("psycopg2") is None
        else None
    )
    if missing:
        warnings.warn(f"{missing}: the tracking server uses a SQLite backend", stacklevel=1)
        yield f"sqlite:///{tmp_path_factory.mktemp('server-db') / 'mlflow.db'}"
        return
    # Not under pytest's tmp dir: that is private to root, and the postgres user must enter it.
    base = Path(tempfile.mkdtemp(prefix="classifier-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    cluster = _Postgres(pg_bin, base, free_port())
    try:
        uri = cluster.start()
    except BaseException:
        log = _tail(base / "server.log")
        cluster.stop()
        if log:
            print(log, file=sys.stderr)
        raise
    try:
        yield uri
    finally:
        cluster.stop()


@dataclass
class Server:
    """A running ``mlflow server --serve-artifacts``."""

    uri: str
    artifacts: Path
    backend: str


@pytest.fixture(scope="module")
def server(backend_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Start the server with the project's script and wait for ``/health``; kill it after."""
    workdir = tmp_path_factory.mktemp("server")
    artifacts = workdir / "artifacts"
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_BACKEND_STORE_URI": backend_uri,
        "MLFLOW_ARTIFACTS_DESTINATION": str(artifacts),
        "HOST": "127.0.0.1",
        "PORT": str(port),
    }
    env.pop("MLFLOW_TRACKING_URI", None)
    log, out = workdir / "server.log", workdir / "server.out"
    process = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "tracking_server.sh"), "--workers", "1"],
        cwd=workdir,
        env=env,
        stdout=out.open("w"),
        stderr=log.open("w"),
        start_new_session=True,  # its own process group, so the workers go down with it
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        try:
            # Database migrations take a while on a busy CPU.
            wait_until_answering(process, f"{uri}/health", timeout=240, log=log)
        except ServerError as error:
            pytest.fail(f"tracking server did not start: {error}\n{_tail(log)}")
        assert out.read_text("utf-8").splitlines()[0] == f"export MLFLOW_TRACKING_URI={uri}"
        yield Server(uri, artifacts, backend_uri)
    finally:
        stop(process, grace=30)


@dataclass
class Trained:
    """The smoke model trained, registered and promoted through the server."""

    run_id: str
    client_dir: Path
    outputs: dict[str, Path]
    seconds: dict[str, float]


def _cli(server: Server, cwd: Path, *args: str, timeout: float = 900) -> str:
    """Run the real ``classifier`` CLI against the server; return stdout (fail on non-zero)."""
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": server.uri,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
    }
    env.pop("MLFLOW_REGISTRY_URI", None)
    done = subprocess.run(
        [CLASSIFIER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"classifier {args[0]} exited {done.returncode}: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def trained(
    server: Server, prepared: Path, tiny_bert: Path, tmp_path_factory: pytest.TempPathFactory
) -> Trained:
    """``classifier train`` + ``promote`` + ``predict`` (alias and version) in a fresh cwd."""
    cwd = tmp_path_factory.mktemp("client")
    seconds: dict[str, float] = {}
    start = time.monotonic()
    stdout = _cli(
        server,
        cwd,
        "train",
        str(ROOT / "configs" / "smoke.yaml"),
        "--set",
        f"data_dir={prepared}",
        "--set",
        f"model.params.pretrained={tiny_bert}",
        "--set",
        f"checkpoint_dir={cwd / 'ckpt'}",
    )
    seconds["train"] = time.monotonic() - start
    run_id = stdout.strip().rsplit("(run ", 1)[-1].rstrip(")")
    start = time.monotonic()
    assert "version 1" in _cli(server, cwd, "promote", NAME, "1")
    seconds["promote"] = time.monotonic() - start
    source = cwd / "articles.jsonl"
    source.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), "utf-8")
    outputs = {}
    for key, uri in (("champion", f"models:/{NAME}@champion"), ("version", f"models:/{NAME}/1")):
        outputs[key] = cwd / f"out-{key}.jsonl"
        start = time.monotonic()
        _cli(server, cwd, "predict", "--model", uri, "-i", str(source), "-o", str(outputs[key]))
        seconds[f"predict_{key}"] = time.monotonic() - start
    print(f"remote tracking timings (s): {seconds}", file=sys.stderr)
    return Trained(run_id, cwd, outputs, seconds)


def _client(server: Server) -> MlflowClient:
    return MlflowClient(tracking_uri=server.uri, registry_uri=server.uri)


def test_run_is_visible_through_the_server(server: Server, trained: Trained) -> None:
    client = _client(server)
    experiment = client.get_experiment_by_name(NAME)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    assert [r.info.run_id for r in runs] == [trained.run_id]
    run = runs[0]
    assert run.info.status == "FINISHED"
    for metric in ("test_macro_f1", "validation_macro_f1", "train_seconds"):
        assert metric in run.data.metrics, metric
    history = client.get_metric_history(trained.run_id, "val_macro_f1")
    assert [m.step for m in history] == [0, 1]
    assert run.data.params["model.kind"] == "transformer"
    version = client.get_model_version_by_alias(NAME, "champion")
    assert str(version.version) == "1" and version.run_id == trained.run_id
    assert client.get_model_version_by_alias(NAME, "candidate").version == version.version


def test_artifacts_are_stored_by_the_server(server: Server, trained: Trained) -> None:
    client = _client(server)
    run = client.get_run(trained.run_id)
    # Proxied: the client only ever saw an mlflow-artifacts:/ URI, never a filesystem path.
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/"), run.info.artifact_uri
    stored = [
        p for p in server.artifacts.rglob("resolved_config.json") if trained.run_id in p.parts
    ]
    assert stored, f"no run artifacts under {server.artifacts}"
    assert sorted(server.artifacts.rglob("MLmodel")), "the logged model is not on the server"
    # What the server stored is what a client downloads over HTTP.
    downloaded = Path(
        client.download_artifacts(
            trained.run_id, "evaluation/resolved_config.json", str(trained.client_dir / "dl")
        )
    )
    assert downloaded.read_bytes() == stored[0].read_bytes()
    # Nothing was written beside the client: no local store, no local artifacts.
    local = {p.name for p in trained.client_dir.iterdir()}
    assert not local & {"mlruns", "mlartifacts", "mlflow.db"}, local


def test_predict_through_models_uris(server: Server, trained: Trained) -> None:
    rows = {
        key: [json.loads(line) for line in path.read_text("utf-8").splitlines()]
        for key, path in trained.outputs.items()
    }
    champion = rows["champion"]
    assert len(champion) == 5, champion
    assert {r["article_id"] for r in champion} == {a["id"] for a in ARTICLES}
    for row in champion:
        assert set(row["labels"]) <= set(LABEL_IDS), row
        assert set(row["scores"]) == set(LABEL_IDS), row
        assert all(0.0 <= s <= 1.0 for s in row["scores"].values()), row
    assert any(row["labels"] for row in champion), "the smoke model labelled no sentence"
    assert rows["version"] == champion  # @champion and /1 are the same registered version


def test_backend_is_the_one_configured(server: Server, trained: Trained) -> None:
    """The run lives in PostgreSQL (when available), not in some default store."""
    if not server.backend.startswith("postgresql"):
        pytest.skip("PostgreSQL not available: the server ran on SQLite (see the warning)")
    import sqlalchemy

    engine = sqlalchemy.create_engine(server.backend)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                sqlalchemy.text("SELECT status FROM runs WHERE run_uuid = :id"),
                {"id": trained.run_id},
            ).scalar_one()
    finally:
        engine.dispose()
    assert found == "FINISHED"
