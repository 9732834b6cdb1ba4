"""Bad inputs found by a new-user trial of the CLI: one-line error, non-zero exit, no partial
output, and existing files left intact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import assert_one_line_error, free_port, run_cli, write_jsonl

ARTICLES = [
    {"id": "a1", "text": "Bawaslu menemukan dua ASN melanggar netralitas. Harga cabai naik."},
    {"id": "a2", "text": "Bupati meminta seluruh ASN tetap netral dalam Pilkada."},
]


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "articles.jsonl", ARTICLES)


def predict(model_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("predict", "-m", str(model_dir), *args)


def no_temporaries(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_ctrl_c_exits_130_with_one_line(model_dir: Path, articles: Path, tmp_path: Path) -> None:
    """A real SIGINT in the middle of predict, through the real console entry point."""
    out = tmp_path / "out.jsonl"
    out.write_text("old results\n", encoding="utf-8")
    script = (
        "import signal, sys, time\n"
        "from classifier.inference.predictor import Predictor\n"
        # A shell that starts a job in the background (CI does) leaves SIGINT ignored, and
        # Python then keeps it ignored; install the handler an interactive terminal gets.
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "def interrupted(self, documents):\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    time.sleep(30)  # the handler runs at the next bytecode\n"
        "    raise AssertionError('SIGINT was not delivered')\n"
        "Predictor.predict_documents = interrupted\n"
        "from classifier.cli import main\n"
        "sys.argv = ['classifier', *sys.argv[1:]]\n"
        "main()\n"
    )
    args = ["predict", "-m", str(model_dir), "-i", str(articles), "-o", str(out), "--overwrite"]
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == ["error: interrupted by Ctrl-C (SIGINT)"]
    assert out.read_text("utf-8") == "old results\n"
    assert no_temporaries(tmp_path)


def test_outputs_may_not_share_a_path_or_replace_an_input(
    model_dir: Path, articles: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    same = predict(model_dir, "-i", str(articles), "-o", str(out), "--summary", str(out))
    assert_one_line_error(same, "--summary and --output name the same file")
    onto_input = predict(model_dir, "-i", str(articles), "-o", str(articles), "--overwrite")
    assert_one_line_error(onto_input, "--output is also an input")
    assert json.loads(articles.read_text("utf-8").splitlines()[0])["id"] == "a1"
    assert not out.exists() and no_temporaries(tmp_path)


def test_one_giant_line_is_cut_into_bounded_sentences(model_dir: Path, tmp_path: Path) -> None:
    from classifier.text.sentences import MAX_SENTENCE_CHARS

    giant = write_jsonl(tmp_path / "giant.jsonl", [{"id": "g", "text": "kata " * 400_000}])
    out = tmp_path / "out.jsonl"
    result = predict(model_dir, "-i", str(giant), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) > 1000
    assert max(len(r["text"]) for r in rows) <= MAX_SENTENCE_CHARS


def test_on_error_skip_sets_bad_records_aside(model_dir: Path, tmp_path: Path) -> None:
    rows = [
        *ARTICLES,
        {"id": "empty", "text": "   "},
        {"id": "boiler", "text": "Baca juga: Berita lain"},
        {"id": "a1", "text": "Duplikat id."},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    with source.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    out = tmp_path / "out.jsonl"
    assert_one_line_error(predict(model_dir, "-i", str(source), "-o", str(out)), "in.jsonl:3")
    assert not out.exists()
    result = predict(model_dir, "-i", str(source), "-o", str(out), "--on-error", "skip")
    assert result.returncode == 0, result.stderr
    rejects = out.with_name("out.jsonl.rejects.jsonl")
    assert f"skipped 4 bad records; reasons in {rejects}" in result.stdout
    reasons = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert [r["origin"].rsplit(":", 1)[1] for r in reasons] == ["3", "4", "5", "6"]
    assert "empty article text" in reasons[0]["error"]
    assert "no text left after cleaning" in reasons[1]["error"]
    assert "duplicate article id 'a1'" in reasons[2]["error"]
    assert "not valid JSON" in reasons[3]["error"]
    ids = {json.loads(line)["article_id"] for line in out.read_text("utf-8").splitlines()}
    assert ids == {"a1", "a2"}
    bad = predict(model_dir, "-i", str(source), "-o", str(out), "--on-error", "maybe")
    assert_one_line_error(bad, "--on-error must be 'fail' or 'skip'")


@pytest.mark.parametrize("threads", ["-3", "0"])
def test_threads_must_be_positive(
    model_dir: Path, articles: Path, tmp_path: Path, threads: str
) -> None:
    out = tmp_path / "out.jsonl"
    result = predict(model_dir, "-i", str(articles), "-o", str(out), "--threads", threads)
    assert_one_line_error(result, "--threads must be at least 1")
    assert not out.exists()


def test_messages_say_what_is_wrong(model_dir: Path, articles: Path, tmp_path: Path) -> None:
    folder = tmp_path / "outdir"
    folder.mkdir()
    assert_one_line_error(
        predict(model_dir, "-i", str(articles), "-o", str(folder)), "is a directory"
    )
    numeric = write_jsonl(tmp_path / "n.jsonl", [{"id": "x", "text": 42}])
    out = tmp_path / "out.jsonl"
    assert_one_line_error(
        predict(model_dir, "-i", str(numeric), "-o", str(out)), "'text' must be a string, not int"
    )
    assert_one_line_error(
        predict(model_dir, "-i", str(numeric), "-o", str(out), "--input-type", "sentences"),
        "'text' must be a string",
    )
    utf16 = tmp_path / "u.jsonl"
    utf16.write_bytes(json.dumps(ARTICLES[0]).encode("utf-16"))
    assert_one_line_error(predict(model_dir, "-i", str(utf16), "-o", str(out)), "UTF-16")
    utf16_txt = tmp_path / "u.txt"
    utf16_txt.write_bytes("ASN diminta netral.".encode("utf-16"))
    assert_one_line_error(predict(model_dir, "-i", str(utf16_txt), "-o", str(out)), "UTF-16")
    semicolons = tmp_path / "s.csv"
    semicolons.write_text("id;text\n1;ASN diminta netral.\n", encoding="utf-8")
    assert_one_line_error(predict(model_dir, "-i", str(semicolons), "-o", str(out)), "split by ';'")
    assert not out.exists() and no_temporaries(tmp_path)


def test_duplicate_sentence_ids_are_refused(model_dir: Path, tmp_path: Path) -> None:
    rows = [{"id": "s1", "text": "ASN diminta netral."}, {"id": "s1", "text": "Cuaca cerah."}]
    source = write_jsonl(tmp_path / "s.jsonl", rows)
    out = tmp_path / "out.jsonl"
    result = predict(model_dir, "-i", str(source), "-o", str(out), "--input-type", "sentences")
    assert_one_line_error(result, "s.jsonl:2: duplicate sentence id 's1'")
    assert not out.exists()


def test_outputs_that_are_directories_or_read_only(articles: Path, tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    result = run_cli("split", str(articles), "-o", str(folder), "--overwrite")
    assert_one_line_error(result, "is a directory")
    edited = write_jsonl(tmp_path / "edited.jsonl", [])
    into_dir = run_cli("annotate", "import", str(edited), "--into", str(folder))
    assert_one_line_error(into_dir, "is a directory")
    # /proc refuses new files even for root, who may write anything chmod protects.
    read_only = run_cli("annotate", "import", str(edited), "--into", "/proc/annotations.jsonl")
    assert_one_line_error(read_only, "/proc/annotations.jsonl: cannot be written")
    assert folder.is_dir() and not list(folder.iterdir()) and no_temporaries(tmp_path)


def test_unreachable_tracking_server_is_exit_3_for_promote_and_predict(
    articles: Path, tmp_path: Path
) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    # Both URIs: an earlier test's in-process MLflow may have exported a registry URI.
    env = {"MLFLOW_TRACKING_URI": down, "MLFLOW_REGISTRY_URI": down}
    promote = run_cli("promote", "asn-neutrality-tfidf", "1", env=env)
    assert_one_line_error(promote, "is unreachable")
    assert promote.returncode == 3
    out = tmp_path / "out.jsonl"
    model = "models:/asn-neutrality-tfidf@champion"
    predicted = run_cli("predict", "-m", model, "-i", str(articles), "-o", str(out), env=env)
    assert_one_line_error(predicted, "is unreachable")
    assert predicted.returncode == 3
    assert not out.exists() and no_temporaries(tmp_path)


def test_pyfunc_refuses_rows_without_string_text(model_dir: Path) -> None:
    """``mlflow models serve`` turns this MlflowException into a one-line HTTP 400."""
    import pandas as pd
    from mlflow.exceptions import MlflowException

    from classifier.models.base import load_model
    from classifier.pyfunc import SentenceClassifierPyfunc

    wrapper = SentenceClassifierPyfunc()
    wrapper.model = load_model(model_dir)
    frame = pd.DataFrame({"text": ["ASN diminta netral.", None, 3]})
    with pytest.raises(MlflowException, match=r"2 row\(s\) are not .*row 1, 2"):
        wrapper.predict(None, frame)
    assert len(wrapper.predict(None, frame.iloc[:1])) == 1


def test_paths_do_not_depend_on_the_working_directory(
    articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from classifier.config import PROJECT_ROOT
    from classifier.inference.predict import PredictOptions

    monkeypatch.chdir(tmp_path)
    options = PredictOptions(model="m", inputs=[articles], output=tmp_path / "o.jsonl")
    assert options.parity_data == PROJECT_ROOT / "data" / "processed" / "validation.parquet"
    # A missing registered model names the store that was searched.
    store = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    result = run_cli(
        "predict", "-m", "models:/nope@champion", "-i", str(articles), "-o", "o.jsonl",
        cwd=tmp_path, env={"MLFLOW_TRACKING_URI": store, "MLFLOW_REGISTRY_URI": store},
    )  # fmt: skip
    assert_one_line_error(result, f"tracking store {store}")
    assert not (tmp_path / "mlflow.db").exists()
