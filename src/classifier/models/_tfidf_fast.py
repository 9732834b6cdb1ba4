"""Fast inference transforms for fitted ``TfidfVectorizer`` objects.

scikit-learn builds n-grams in Python, one word at a time (about 2-4k sentences/s for char_wb
2-5-grams on these machines). Here one compiled pass (numba) walks the code points of a whole
batch, hashes every char_wb window or word n-gram (64-bit polynomial hashes), looks each up in
an open-addressing table of the fitted vocabulary, and counts them per document straight into
CSR arrays; tf scaling, idf and the l2 norm then run vectorised. The matrix equals
``vectorizer.transform`` (tests compare them); other vectorizer settings fall back to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_BASE = np.uint64(1_000_003)
_SALT = np.uint64(0x9E3779B97F4A7C15)
_SPACE = np.uint64(32)
CHAR_WB, WORD = 0, 1


@lru_cache(maxsize=1)
def _char_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: is it whitespace (``str.split``), is it a ``\\w`` character (``re``)."""
    chars = [chr(i) for i in range(0x110000)]
    space = np.fromiter((c.isspace() for c in chars), dtype=np.bool_, count=len(chars))
    word = np.fromiter((c.isalnum() or c == "_" for c in chars), dtype=np.bool_, count=len(chars))
    return space, word


def _codes(text: str) -> np.ndarray:
    raw = text.encode("utf-32-le", "surrogatepass")
    return np.frombuffer(raw, dtype=np.uint32).astype(np.uint64)


def _string_hash(text: str) -> np.uint64:
    h = np.uint64(0)
    with np.errstate(over="ignore"):
        for code in _codes(text):
            h = h * _BASE + code
    return h


def _term_key(term: str, mode: int) -> np.uint64:
    # char_wb keys carry their length, so windows of different n never share a key.
    if mode != CHAR_WB:
        return _string_hash(term)
    with np.errstate(over="ignore"):
        return _string_hash(term) ^ (np.uint64(len(term)) * _SALT)


def _build_table(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    size = 1 << int(np.ceil(np.log2(max(len(keys), 1) * 4)))
    table_keys = np.zeros(size, dtype=np.uint64)
    table_values = np.full(size, -1, dtype=np.int64)
    mask = np.uint64(size - 1)
    for key, value in zip(keys, values, strict=True):
        slot = int(key & mask)
        while table_values[slot] != -1:  # linear probing
            slot = (slot + 1) & (size - 1)
        table_keys[slot], table_values[slot] = key, value
    return table_keys, table_values


@numba.njit(cache=True, inline="always")
def _lookup(key, table_keys, table_values):
    mask = np.uint64(len(table_keys) - 1)
    slot = key & mask
    while table_values[slot] != -1:
        if table_keys[slot] == key:
            return table_values[slot]
        slot = (slot + np.uint64(1)) & mask
    return -1


@numba.njit(cache=True)
def _count(
    codes,
    doc_offsets,
    mode,
    n_min,
    n_max,
    is_space,
    is_word,
    table_keys,
    table_values,
    width,
):
    """CSR (indptr, indices, counts) of vocabulary n-grams per document."""
    n_docs = len(doc_offsets) - 1
    capacity = len(codes) * (n_max - n_min + 1) + 16
    indices = np.empty(capacity, dtype=np.int64)
    counts = np.empty(capacity, dtype=np.float64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    acc = np.zeros(width, dtype=np.float64)
    touched = np.empty(capacity, dtype=np.int64)
    token_hash = np.empty(len(codes) + 1, dtype=np.uint64)
    token_len = np.empty(len(codes) + 1, dtype=np.int64)
    base, salt, space = np.uint64(1_000_003), np.uint64(0x9E3779B97F4A7C15), np.uint64(32)
    out = 0
    for d in range(n_docs):
        start, stop = doc_offsets[d], doc_offsets[d + 1]
        n_touched = 0
        if mode == 0:  # char_wb: windows inside " word " for each whitespace-separated word
            i = start
            while i < stop:
                while i < stop and is_space[codes[i]]:
                    i += 1
                if i >= stop:
                    break
                j = i
                while j < stop and not is_space[codes[j]]:
                    j += 1
                length = j - i + 2
                for s in range(length):
                    h = np.uint64(0)
                    top = min(n_max, length - s)
                    for n in range(1, top + 1):
                        p = s + n - 1
                        c = space if p == 0 or p == length - 1 else codes[i + p - 1]
                        h = h * base + c
                        if n >= n_min:
                            col = _lookup(h ^ (np.uint64(n) * salt), table_keys, table_values)
                            if col >= 0:
                                if acc[col] == 0:
                                    touched[n_touched] = col
                                    n_touched += 1
                                acc[col] += 1
                i = j
        else:  # word: maximal runs of >= 2 \\w characters, then n-grams joined by one space
            n_tokens = 0
            i = start
            while i < stop:
                while i < stop and not is_word[codes[i]]:
                    i += 1
                j = i
                h = np.uint64(0)
                while j < stop and is_word[codes[j]]:
                    h = h * base + codes[j]
                    j += 1
                if j - i >= 2:
                    token_hash[n_tokens], token_len[n_tokens] = h, j - i
                    n_tokens += 1
                i = j
            for t in range(n_tokens):
                h = np.uint64(0)
                for n in range(1, n_max + 1):
                    if t + n > n_tokens:
                        break
                    k = t + n - 1
                    if n == 1:
                        h = token_hash[k]
                    else:  # hash("a b") from hash("a") and hash("b"): polynomial concatenation
                        h = h * base + space
                        for _ in range(token_len[k]):
                            h = h * base
                        h = h + token_hash[k]
                    if n >= n_min:
                        col = _lookup(h, table_keys, table_values)
                        if col >= 0:
                            if acc[col] == 0:
                                touched[n_touched] = col
                                n_touched += 1
                            acc[col] += 1
        for k in range(n_touched):
            col = touched[k]
            indices[out] = col
            counts[out] = acc[col]
            acc[col] = 0
            out += 1
        indptr[d + 1] = out
    return indptr, indices[:out], counts[:out]


def _finish(
    indptr: np.ndarray,
    indices: np.ndarray,
    counts: np.ndarray,
    n_docs: int,
    vectorizer: TfidfVectorizer,
) -> sp.csr_matrix:
    """Apply the fitted vectorizer's tf scaling, idf weights and l2 norm, as scikit-learn does."""
    data = counts
    if vectorizer.sublinear_tf:
        data = np.log(data) + 1
    if vectorizer.use_idf:
        data = data * vectorizer.idf_[indices]
    if vectorizer.norm == "l2":
        # Sum of squares per row by row number: np.add.reduceat would index past the end when
        # the last rows are empty (a sentence with no known n-gram), and repeats values for them.
        rows = np.repeat(np.arange(n_docs), np.diff(indptr))
        squares = np.bincount(rows, weights=data * data, minlength=n_docs)
        norms = np.sqrt(squares)
        norms[norms == 0] = 1
        data = data / np.repeat(norms, np.diff(indptr))
    width = len(vectorizer.vocabulary_)
    return sp.csr_matrix((data, indices, indptr), shape=(n_docs, width))


def _compiled(vectorizer: TfidfVectorizer, mode: int) -> Callable[[Sequence[str]], sp.csr_matrix]:
    terms = list(vectorizer.vocabulary_)
    keys = np.array([_term_key(t, mode) for t in terms], dtype=np.uint64)
    values = np.array([vectorizer.vocabulary_[t] for t in terms], dtype=np.int64)
    table_keys, table_values = _build_table(keys, values)
    n_min, n_max = vectorizer.ngram_range
    is_space, is_word = _char_tables()

    def transform(texts: Sequence[str]) -> sp.csr_matrix:
        texts = [t.lower() for t in texts] if vectorizer.lowercase else list(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        offsets = np.concatenate(([0], np.cumsum(lengths)))
        codes = _codes("".join(texts))
        indptr, indices, counts = _count(
            codes,
            offsets,
            mode,
            n_min,
            n_max,
            is_space,
            is_word,
            table_keys,
            table_values,
            len(vectorizer.vocabulary_),
        )
        return _finish(indptr, indices, counts, len(texts), vectorizer)

    return transform


def fast_transform(vectorizer: TfidfVectorizer) -> Callable[[Sequence[str]], sp.csr_matrix]:
    """The compiled transform for this vectorizer's settings, or its own ``transform``."""
    plain = (
        vectorizer.preprocessor is None
        and vectorizer.tokenizer is None
        and vectorizer.stop_words is None
        and vectorizer.strip_accents is None
        and vectorizer.binary is False
        and vectorizer.norm in ("l2", None)
    )
    if plain and vectorizer.analyzer == "char_wb":
        return _compiled(vectorizer, CHAR_WB)
    if plain and vectorizer.analyzer == "word" and vectorizer.token_pattern == r"(?u)\b\w\w+\b":
        return _compiled(vectorizer, WORD)
    return vectorizer.transform
