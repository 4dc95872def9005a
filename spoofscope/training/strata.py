"""Strata for class balancing: groups of training files inside which bona fide and spoof are drawn
equally often, so that what defines the group stops predicting the label.

A small corpus can tie the label to a property of the voice. LocalSpoof full's train split has one
male bona fide voice, while most of its synthesizers and half of its WORLD conversions speak low:
below 110 Hz, 3% of its train files are bona fide, above 230 Hz, 70% are. A detector trained on it
reads pitch as authenticity; on dev it rejected a quarter of the male speaker's recordings and let
through nearly every WORLD conversion raised into the female range. Sampling both classes equally
inside each F0 band leaves pitch nothing to say about the label.

A stratifier (registered in :data:`STRATA`) maps a manifest to one value per file;
:func:`assign_strata` turns those values into stratum ids with enough files of each class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from spoofscope.corpora.manifest import Manifest
from spoofscope.registry import Registry

#: name → function(manifest, workers) giving one value per file (numbers are binned, strings kept)
STRATA: Registry[Callable[[Manifest, int], np.ndarray]] = Registry("stratifier")


def _file_f0(path: str) -> float:
    from spoofscope.audio.io import load
    from spoofscope.audio.pitch import median_f0

    wave = load(path, sr=None)
    return median_f0(np.asarray(wave), wave.sr)


@STRATA.register("f0")
def f0_values(manifest: Manifest, workers: int = 1) -> np.ndarray:
    """Median F0 (Hz, YIN) of every file: about 3 ms per second of audio on one core."""
    paths = [u.path for u in manifest]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return np.array(list(pool.map(_file_f0, paths, chunksize=32)), dtype=np.float64)
    return np.array([_file_f0(p) for p in paths], dtype=np.float64)


@STRATA.register("speaker")
def speaker_values(manifest: Manifest, workers: int = 1) -> np.ndarray:
    """The speaker id of every file (the voice a spoof imitates, where the corpus says it)."""
    return np.array([u.speaker for u in manifest])


def _enough(counts: np.ndarray, min_per_class: int) -> bool:
    return bool((counts >= min_per_class).all())


def assign_strata(
    values: np.ndarray, labels: Sequence[int], n_strata: int, min_per_class: int
) -> np.ndarray:
    """Stratum id (0..S-1) of every file.

    Numeric values are cut at their quantiles into ``n_strata`` bands, and a band holding fewer
    than ``min_per_class`` files of a class is merged with the next one up (the last with the one
    below), so no stratum rests on a handful of recordings that balancing would then repeat many
    times an epoch. String values are one stratum each; those short of a class are pooled.

    Raises:
        ValueError: the files hold fewer than ``min_per_class`` of some class overall.
    """
    y = np.asarray(labels)
    classes = np.unique(y)
    total = np.array([(y == c).sum() for c in classes])
    if classes.size < 2 or not _enough(total, min_per_class):
        raise ValueError(
            f"balancing needs {min_per_class} files of each class; the split has "
            + ", ".join(f"{int(n)} of class {c}" for c, n in zip(classes, total, strict=True))
        )
    if values.dtype.kind in "fiu":
        edges = np.unique(np.quantile(values, np.linspace(0, 1, n_strata + 1)[1:-1]))
        raw = np.searchsorted(edges, values, side="right")
    else:
        names, raw = np.unique(values, return_inverse=True)
        short = np.array(
            [
                not _enough(_counts(np.flatnonzero(raw == s).tolist(), y, classes), min_per_class)
                for s in range(names.size)
            ]
        )
        # pooled strata go last so the kept ones keep their order
        raw = np.where(short[raw], names.size, raw)
    groups: list[list[int]] = []
    for s in np.unique(raw):
        members = np.flatnonzero(raw == s).tolist()
        if groups and not _enough(_counts(groups[-1], y, classes), min_per_class):
            groups[-1].extend(members)
        else:
            groups.append(members)
    if len(groups) > 1 and not _enough(_counts(groups[-1], y, classes), min_per_class):
        groups[-2].extend(groups.pop())
    out = np.empty(len(y), dtype=np.int64)
    for sid, members in enumerate(groups):
        out[members] = sid
    return out


def _counts(members: list[int], y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    return np.array([(y[members] == c).sum() for c in classes])


def strata_of(
    manifest: Manifest, by: str, n_strata: int = 8, min_per_class: int = 50, workers: int = 1
) -> np.ndarray:
    """Stratum id of every file of ``manifest`` under stratifier ``by`` (see :func:`assign_strata`).

    Raises:
        UnknownNameError: ``by`` is not a registered stratifier.
        ValueError: too few files of a class.
    """
    values = STRATA.get(by)(manifest, workers)
    return assign_strata(values, manifest.labels, n_strata, min_per_class)
