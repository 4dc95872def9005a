"""Paired draws: who pairs with whom, class balance of the pairs, and one augmentation per pair."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from spoofscope.audio.augment import build_augment
from spoofscope.corpora.dataset import AudioDataset, CropPolicy, PairedDataset, collate_pairs
from spoofscope.corpora.manifest import Manifest, Utterance
from spoofscope.corpora.pairs import PairedSampler, Partners
from spoofscope.corpora.samplers import ClassBalancedSampler

SR = 16000


def _utt(n: int, key: str, speaker: str, attack: str, source: str, path: str = "") -> Utterance:
    extra = {"source_file": source, "synthesizer": "human" if key == "bonafide" else attack}
    return Utterance(f"LS_T_{n:07d}", path or f"/x/{n}.flac", key, speaker, attack, "train",
                     "localspoof", extra)  # fmt: skip


def _manifest() -> Manifest:
    """Like a LocalSpoof train split: two speakers, WORLD / LPC conversions of their recordings
    and espeak-ng spoofs, which have no source recording."""
    return Manifest([
        _utt(1, "bonafide", "LS_ALLISON", "-", "/usr/share/asterisk/sounds/en/hello.wav"),
        _utt(2, "bonafide", "LS_ALLISON", "-", "/usr/share/asterisk/sounds/en/goodbye.wav"),
        _utt(3, "bonafide", "LS_IVRRU", "-", "/usr/share/asterisk/sounds/ru/vm-intro.wav"),
        _utt(4, "spoof", "LS_ALLISON", "L06", "/usr/share/asterisk/sounds/en/hello.wav"),
        _utt(5, "spoof", "LS_ALLISON", "L08", "/usr/share/asterisk/sounds/en/hello.wav"),
        _utt(6, "spoof", "LS_IVRRU", "L01", ""),
        _utt(7, "spoof", "LS_ALLISON", "L01", ""),
    ])  # fmt: skip


def test_resyntheses_pair_with_their_source_and_the_rest_by_speaker() -> None:
    partners = Partners(_manifest())
    rng = np.random.default_rng(0)
    assert partners.aligned_pairs == 2
    assert partners.draw(3, rng) == (3, 0, True)  # WORLD of hello.wav -> hello.wav
    assert partners.draw(4, rng) == (4, 0, True)
    assert {partners.draw(0, rng)[1] for _ in range(50)} == {3, 4}  # either of its conversions
    assert all(partners.draw(0, rng)[2] for _ in range(5))
    # goodbye.wav was never converted: another spoof of Allison's, unaligned
    assert {partners.draw(1, rng) for _ in range(50)} == {(1, 3, False), (1, 4, False),
                                                          (1, 6, False)}  # fmt: skip
    assert partners.draw(5, rng) == (5, 2, False)  # TTS spoof of LS_IVRRU -> its one recording


def test_a_speaker_without_the_other_class_pairs_with_anyone_of_it() -> None:
    m = Manifest([
        _utt(1, "bonafide", "A", "-", "a.wav"), _utt(2, "spoof", "B", "L01", ""),
        _utt(3, "spoof", "B", "L02", ""),
    ])  # fmt: skip
    partners = Partners(m)
    rng = np.random.default_rng(1)
    assert partners.draw(1, rng) == (1, 0, False)
    assert {partners.draw(0, rng)[1] for _ in range(30)} == {1, 2}
    with pytest.raises(ValueError, match="both bona fide and spoof"):
        Partners(Manifest(u for u in m if u.key == "spoof"))


def test_every_pair_is_one_bona_fide_and_one_spoof_and_draws_are_seeded() -> None:
    m = _manifest()
    labels = m.labels

    def sampler(seed: int, epoch: int = 0) -> PairedSampler:
        s = PairedSampler(Partners(m), ClassBalancedSampler(labels, 400, seed=seed))
        s.set_epoch(epoch)
        return s

    keys = list(sampler(3))
    assert len(keys) == len(sampler(3)) == 400
    assert all({labels[a], labels[b]} == {0, 1} for a, b, _ in keys)
    anchors = Counter(labels[a] for a, _, _ in keys)
    assert abs(anchors[1] / 400 - 0.5) < 0.08  # the anchors stay class-balanced
    assert keys == list(sampler(3))
    assert keys != list(sampler(3, epoch=1)) and keys != list(sampler(4))


def _write(path: Path, wave: np.ndarray) -> str:
    sf.write(path, wave, SR, subtype="PCM_16")
    return str(path)


def test_an_aligned_pair_shares_crop_and_augmentation_and_an_unaligned_one_does_not(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    t = np.arange(int(1.5 * SR)) / SR
    voice = (
        0.3 * np.sin(2 * np.pi * 140 * t * (1 + 0.05 * np.sin(3 * t))) * (0.6 + 0.4 * np.sin(7 * t))
    )
    # the "conversion" is the same audio and 0.1 s longer: only the common length may be used
    source = _write(tmp_path / "bona.wav", voice)
    converted = _write(
        tmp_path / "conv.wav", np.concatenate([voice, 0.01 * rng.standard_normal(1600)])
    )
    other = _write(tmp_path / "tts.wav", 0.2 * rng.standard_normal(len(voice)))
    m = Manifest([
        _utt(1, "bonafide", "S", "-", "hello.wav", source),
        _utt(2, "spoof", "S", "L06", "hello.wav", converted),
        _utt(3, "spoof", "S", "L01", "", other),
    ])  # fmt: skip
    augment = build_augment([
        {"name": "random-crop", "min_seconds": 0.3, "max_seconds": 1.2, "p": 1.0},
        {"name": "gain", "min_db": -12.0, "max_db": 6.0, "p": 1.0},
        {"name": "noise", "snr_min": 15.0, "snr_max": 30.0, "p": 1.0},
    ], sr=SR)  # fmt: skip
    base = AudioDataset(m, SR, CropPolicy(8000, "random"), augment=augment, seed=11)
    paired = PairedDataset(base)
    (wa, ya, ia), (wb, yb, ib) = paired[(1, 0, True)]
    assert (ya, ia, yb, ib) == (0, 1, 1, 0)
    assert wa.shape == wb.shape == (8000,)
    # the same crop, gain and noise on the same audio: identical up to the 16-bit quantisation
    assert torch.allclose(wa, wb, atol=1e-3)
    alone = base[0][0]
    assert not torch.allclose(alone, wb, atol=1e-2)  # the bona fide item alone draws its own
    (wc, _, _), (wd, _, _) = paired[(2, 0, False)]
    assert torch.equal(wc, base[2][0]) and torch.equal(wd, base[0][0])
    waves, labels, index = collate_pairs([paired[(1, 0, True)], paired[(2, 0, False)]])
    assert waves.shape == (4, 8000)
    assert labels.tolist() == [0, 1, 0, 1] and index.tolist() == [1, 0, 2, 0]
