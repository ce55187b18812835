"""Static word embeddings that ship inside a PyPI wheel: WordLlama's 256-dimension token embeddings.

The files are read from the installed ``wordllama`` package directly (safetensors and tokenizers, its own
dependencies) rather than through ``WordLlama.load``: that looks for the tokenizer in a folder the wheel does not
have, tries to download it, and importing ``wordllama`` configures the root logger. Nothing is fetched at run time.
A text's vector is the weighted mean of its tokens' vectors, unit length; function words weigh less.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import cached_property
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

from smarco_kg.skill_extraction.text import STOPWORDS

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
DIMENSIONS = 128  # of 256: the model is trained so that its first 64, 128 or 256 dimensions each make an embedding
CHUNK = 1024  # texts tokenised at once while building: bounds the tokenizer's memory
STOPWORD_WEIGHT = 0.25  # a function word's share in a text's vector, against 1 for any other token


class ModelMissing(RuntimeError):
    """The wordllama package (and so its embeddings) is not installed."""


def package_folder() -> Path:
    spec = importlib.util.find_spec("wordllama")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("the wordllama package is not installed; pip install 'wordllama>=0.4,<0.5'")
    return Path(next(iter(spec.submodule_search_locations)))


class Embeddings:
    """The token embeddings and their tokenizer, loaded once on first use (about 0.3 s, 35 MB)."""

    def __init__(self, folder: Path | None = None, dimensions: int = DIMENSIONS) -> None:
        self.folder = folder or package_folder()
        self.size = dimensions
        self._lock = threading.Lock()
        self._words: dict[str, np.ndarray] = {}

    @cached_property
    def tokenizer(self) -> Tokenizer:
        tokenizer = Tokenizer.from_file(str(self.folder / TOKENIZER))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return tokenizer

    @cached_property
    def matrix(self) -> np.ndarray:
        with self._lock:
            table = load_file(str(self.folder / WEIGHTS))["embedding.weight"]
            return np.ascontiguousarray(table[:, : self.size], dtype=np.float32)

    @cached_property
    def token_weights(self) -> np.ndarray:
        weights = np.ones(self.matrix.shape[0], dtype=np.float32)
        for token, index in self.tokenizer.get_vocab().items():
            word = token.replace("\u2581", "").lower()
            if not word or word in STOPWORDS or not any(c.isalnum() for c in word):
                weights[index] = STOPWORD_WEIGHT
        return weights

    @property
    def dimensions(self) -> int:
        return int(self.matrix.shape[1])

    def ids(self, texts: list[str]) -> list[list[int]]:
        # the tokenizer takes UTF-8 only: a lone surrogate (JSON allows one) becomes "?", the length unchanged
        texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
        if len(texts) < 64:  # a batch starts the tokenizer's thread pool: ~8 ms for a sentence, against 0.1 ms
            return [self.tokenizer.encode(text, add_special_tokens=False).ids for text in texts]
        return [encoding.ids for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Each word's weighted token vectors summed (not normalised): runs of words add up."""
        vectors = np.zeros((len(words), self.dimensions), dtype=np.float32)
        missing = [w for w in dict.fromkeys(words) if w not in self._words]
        if missing:
            matrix, weights = self.matrix, self.token_weights
            for word, ids in zip(missing, self.ids(missing), strict=True):
                self._words[word] = weights[ids] @ matrix[ids] if ids else np.zeros(self.dimensions, np.float32)
                if len(self._words) > 100_000:
                    self._words.clear()
        for row, word in enumerate(words):
            found = self._words.get(word)
            if found is not None:
                vectors[row] = found
        return vectors

    def encode(self, texts: list[str], dtype: type = np.float32) -> np.ndarray:
        """One unit vector per text (zeros for a text without tokens), of ``dtype``; in chunks, each one weighted sum
        of token vectors per text (``np.add.reduceat``) rather than a Python loop: 99,539 ESCO labels in ~2 s."""
        vectors: np.ndarray = np.zeros((len(texts), self.dimensions), dtype=dtype)
        matrix, weights = self.matrix, self.token_weights
        for first in range(0, len(texts), CHUNK):
            ids = self.ids(texts[first : first + CHUNK])
            lengths = np.asarray([len(i) for i in ids])
            flat = np.fromiter((t for i in ids for t in i), dtype=np.int64, count=int(lengths.sum()))
            if not flat.size:
                continue
            weighted = matrix[flat] * weights[flat][:, None]
            rows = np.flatnonzero(lengths) + first
            starts = np.concatenate([[0], np.cumsum(lengths[lengths > 0])[:-1]])
            sums = np.add.reduceat(weighted, starts, axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            vectors[rows] = sums / np.maximum(norms, 1e-12)
        return vectors
