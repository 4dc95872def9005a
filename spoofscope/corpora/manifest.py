"""Manifests: the list of utterances a corpus recipe reads from a release, without opening audio.

An :class:`Utterance` is one labelled recording (id, audio path, key, speaker, attack, split, corpus and
a small dict of corpus-specific fields such as codec or vocoder). A :class:`Manifest` is an immutable
sequence of them with filtering, per-split counts, concatenation and a CSV round trip.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, overload

from spoofscope.errors import ParseError
from spoofscope.textio import open_text

BONAFIDE = "bonafide"
SPOOF = "spoof"
KEYS = (BONAFIDE, SPOOF)
#: the attack id of every bona fide utterance (the ASVspoof protocols' spelling)
NO_ATTACK = "-"

CSV_COLUMNS = ("utt_id", "path", "key", "speaker", "attack", "split", "corpus", "extra")


@dataclass(frozen=True, slots=True)
class Utterance:
    """One labelled recording of a corpus.

    Attributes:
        utt_id: the id the release gives it (unique within a corpus).
        path: the audio file, as a string (absolute when read by a recipe).
        key: "bonafide" or "spoof".
        speaker: speaker id, "-" when the release gives none.
        attack: attack / system id, "-" for bona fide.
        split: partition ("train", "dev", "eval", or the release's own subset name).
        corpus: the registered recipe name it came from.
        extra: corpus-specific fields (codec, transmission, environment, vocoder, language, ...).
    """

    utt_id: str
    path: str
    key: str
    speaker: str
    attack: str
    split: str
    corpus: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> int:
        """1 for bona fide, 0 for spoof (the training label convention: higher = bona fide)."""
        return 1 if self.key == BONAFIDE else 0


def _matches(value: str, wanted: str | Collection[str] | None) -> bool:
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return value == wanted
    return value in wanted


class Manifest(Sequence[Utterance]):
    """An immutable, ordered collection of utterances.

    Args:
        items: the utterances, in the order the release lists them.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[Utterance] = ()) -> None:
        self._items: tuple[Utterance, ...] = tuple(items)

    # --- sequence protocol -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Utterance]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> Utterance: ...

    @overload
    def __getitem__(self, index: slice) -> Manifest: ...

    def __getitem__(self, index: int | slice) -> Utterance | Manifest:
        if isinstance(index, slice):
            return Manifest(self._items[index])
        return self._items[index]

    def __add__(self, other: object) -> Manifest:
        if not isinstance(other, Manifest):
            return NotImplemented
        return Manifest(self._items + other._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Manifest) and self._items == other._items

    __hash__ = None  # type: ignore[assignment]  # mutable-looking equality; never a dict key

    def __repr__(self) -> str:
        return f"Manifest({len(self)} utterances, splits={sorted(self.splits())})"

    @classmethod
    def concat(cls, *manifests: Manifest) -> Manifest:
        """One manifest holding every utterance of ``manifests``, in order."""
        return cls(u for m in manifests for u in m)

    # --- queries ---------------------------------------------------------------------------------

    def filter(
        self,
        split: str | Collection[str] | None = None,
        key: str | Collection[str] | None = None,
        attack: str | Collection[str] | None = None,
        speaker: str | Collection[str] | None = None,
        where: Callable[[Utterance], bool] | None = None,
    ) -> Manifest:
        """The utterances matching every given criterion (a value or a collection of values).

        ``where`` is a predicate for anything else, e.g. ``lambda u: u.extra["codec"] == "alaw"``.
        """
        return Manifest(
            u
            for u in self._items
            if _matches(u.split, split)
            and _matches(u.key, key)
            and _matches(u.attack, attack)
            and _matches(u.speaker, speaker)
            and (where is None or where(u))
        )

    def splits(self) -> list[str]:
        """Split names in order of first appearance."""
        return list(dict.fromkeys(u.split for u in self._items))

    def counts(self) -> dict[str, dict[str, int]]:
        """``{split: {"bonafide": n, "spoof": n}}`` in order of first appearance."""
        tally = Counter((u.split, u.key) for u in self._items)
        return {s: {k: tally.get((s, k), 0) for k in KEYS} for s in self.splits()}

    def speakers(self) -> list[str]:
        """Distinct speaker ids, sorted."""
        return sorted({u.speaker for u in self._items})

    def attacks(self) -> dict[str, int]:
        """``{attack: count}`` over spoofed utterances, sorted by attack id."""
        tally = Counter(u.attack for u in self._items if u.key == SPOOF)
        return dict(sorted(tally.items()))

    @property
    def labels(self) -> list[int]:
        """Per-utterance labels (1 = bona fide, 0 = spoof)."""
        return [u.label for u in self._items]

    # --- persistence -----------------------------------------------------------------------------

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the manifest as CSV with a header; ``extra`` becomes a JSON column. Returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            for u in self._items:
                writer.writerow(
                    (u.utt_id, u.path, u.key, u.speaker, u.attack, u.split, u.corpus,
                     json.dumps(u.extra, ensure_ascii=False, sort_keys=True) if u.extra else "")
                )  # fmt: skip
        return path

    @classmethod
    def load(cls, path: str | PathLike[str]) -> Manifest:
        """Read a manifest written by :meth:`save`.

        Raises:
            ParseError: the header is not the manifest header, a row has the wrong number of
                fields, a key is not bonafide/spoof, or the extra column is not a JSON object.
            TextDecodeError: a byte is not UTF-8 (a leading byte-order mark is fine).
        """
        path = Path(path)
        items: list[Utterance] = []
        with open_text(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None or tuple(header) != CSV_COLUMNS:
                raise ParseError(path, 1, f"expected header {','.join(CSV_COLUMNS)}")
            for row in reader:
                line = reader.line_num
                if len(row) != len(CSV_COLUMNS):
                    raise ParseError(
                        path, line, f"expected {len(CSV_COLUMNS)} fields, got {len(row)}"
                    )
                if row[2] not in KEYS:
                    raise ParseError(path, line, f"key '{row[2]}' is not bonafide or spoof")
                extra = _parse_extra(row[7], path, line)
                items.append(Utterance(*row[:7], extra=extra))
        return cls(items)


def _parse_extra(text: str, path: Path, line: int) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(path, line, f"extra column is not JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise ParseError(path, line, "extra column is not a JSON object")
    return value
