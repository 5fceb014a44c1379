"""The semantic signal: how close the question's meaning is to each entry's stored phrasings.

Every phrasing (and title) is embedded once with the sentence encoder (bot/routing/semantic.py) and
kept with the knowledge snapshot; a question costs one encode and one matrix-vector product over all
phrasings (~1,500 x 128), a fraction of a millisecond. An entry scores its best phrasing's cosine.
The encoder itself is not pickled (it is reloaded in milliseconds); the vectors say which model made
them, so a changed model is noticed and the vectors remade.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.routing.semantic import Encoder

if TYPE_CHECKING:
    import numpy as np


class SemanticIndex:
    def __init__(self, texts: Sequence[tuple[str, str]], encoder: Encoder) -> None:
        """`texts`: (entry id, phrasing) pairs, in the lexical index's order."""
        import numpy as np

        self.entry_ids = sorted({entry_id for entry_id, _ in texts})
        position = {entry_id: i for i, entry_id in enumerate(self.entry_ids)}
        self.owners = np.array([position[entry_id] for entry_id, _ in texts], dtype=np.int32)
        self.vectors: np.ndarray = encoder.encode([text for _, text in texts])
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

    def scores(self, question: str, exclude: int | None = None) -> dict[str, float]:
        """For each entry, the cosine of the question with its closest phrasing. `exclude` leaves one
        phrasing out, as the lexical index does."""
        import numpy as np

        if self.encoder is None:
            return {}
        query = self.encoder.encode([question])[0]
        similarities = self.vectors @ query
        if exclude is not None:
            similarities[exclude] = -1.0
        best = np.full(len(self.entry_ids), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, similarities)
        return {entry_id: float(best[i]) for i, entry_id in enumerate(self.entry_ids)}
