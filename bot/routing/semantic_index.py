"""The semantic signal: how close the question's meaning is to each entry's stored phrasings.

Every phrasing (and title) is embedded once with the sentence encoder (bot/routing/semantic.py) and
kept with the knowledge snapshot; a question costs one encode and one matrix-vector product over all
phrasings (~1,500 x 128), a fraction of a millisecond. An entry scores its best phrasing's cosine.
The encoder itself is not pickled (it is reloaded in milliseconds); the vectors say which model made
them, so a changed model is noticed and the vectors remade.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from bot.routing.semantic import Encoder

if TYPE_CHECKING:
    import numpy as np


FULL_SCAN = 20_000  # phrasings: up to this many, every one is compared with the question
SHORTLIST = 48  # entries, by centroid, compared phrasing by phrasing when the base is larger


class SemanticIndex:
    def __init__(self, texts: Sequence[tuple[str, str]], encoder: Encoder) -> None:
        """`texts`: (entry id, phrasing) pairs, in the lexical index's order."""
        import numpy as np

        # Phrasings come grouped by entry (the lexical index lists each entry's together), so an entry's
        # best cosine is one np.maximum.reduceat over its run of rows.
        self.entry_ids: list[str] = []
        starts: list[int] = []
        for row, (entry_id, _) in enumerate(texts):
            if not self.entry_ids or self.entry_ids[-1] != entry_id:
                self.entry_ids.append(entry_id)
                starts.append(row)
        if len(set(self.entry_ids)) != len(self.entry_ids):
            raise ValueError("each entry's phrasings must come together")
        self.starts = np.array(starts, dtype=np.intp)
        self.ends = np.append(self.starts[1:], len(texts)).astype(np.intp)
        self.position = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        self.vectors: np.ndarray = encoder.encode([text for _, text in texts])
        # Each entry's mean phrasing vector: a large knowledge base is searched in two steps, the
        # entries whose centroid is closest first, then their phrasings (see scores()).
        centroids = np.add.reduceat(self.vectors, self.starts) if len(self.starts) else self.vectors[:0]
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids = centroids / np.where(norms > 0, norms, 1.0)
        self.model = encoder.name
        self.encoder: Encoder | None = encoder

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["encoder"] = None  # reloaded, not pickled: see attach()
        return state

    def attach(self, encoder: Encoder, texts: Sequence[tuple[str, str]]) -> None:
        """Use `encoder` for questions; remake the vectors if another model made them."""
        if encoder.name != self.model:
            self.__init__(texts, encoder)  # type: ignore[misc]
        self.encoder = encoder

    def scores(self, question: str, exclude: int | None = None, also: Collection[str] = ()) -> dict[str, float]:
        """The cosine of the question with each entry's closest phrasing. `exclude` leaves one phrasing
        out, as the lexical index does. Up to FULL_SCAN phrasings every entry is scored; beyond, only the
        SHORTLIST entries with the closest centroids and the entries in `also` (the lexical candidates),
        so the cost grows with the number of entries, not of phrasings."""
        import numpy as np

        if self.encoder is None or not len(self.starts):
            return {}
        query = self.encoder.encode([question])[0]
        if len(self.vectors) <= FULL_SCAN:
            similarities = self.vectors @ query
            if exclude is not None:
                similarities[exclude] = -1.0
            best = np.maximum.reduceat(similarities, self.starts)
            return dict(zip(self.entry_ids, best.tolist(), strict=True))
        near = self.centroids @ query
        chosen = set(np.argpartition(-near, SHORTLIST)[:SHORTLIST].tolist())
        chosen.update(self.position[e] for e in also if e in self.position)
        out = {}
        for i in chosen:
            rows = self.vectors[self.starts[i] : self.ends[i]] @ query
            if exclude is not None and self.starts[i] <= exclude < self.ends[i]:
                rows[exclude - self.starts[i]] = -1.0
            out[self.entry_ids[i]] = float(rows.max())
        return out
