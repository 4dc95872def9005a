"""The ``whisper`` front-end on a tiny random encoder: Whisper's log-mel, lengths, windows, layers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.features import build_frontend
from spoofscope.features.filterbank import mel_filterbank
from spoofscope.features.whisper import whisper_log_mel
from spoofscope.features.whisper_weights import MODEL_FILE
from tests.fixtures.whisper import save_tiny_whisper
from tests.unit.features.conftest import SR, speech_like

FBANK = mel_filterbank(SR, 400, 80, 0.0, None)
#: mel frames per encoder pass of the short-context model below: 100 frames, 1 s
SHORT_POSITIONS = 50


@pytest.fixture(scope="module")
def short_context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny encoder with 50 positions, so its windows are 1 s instead of 30 s."""
    folder = tmp_path_factory.mktemp("short-whisper")
    return save_tiny_whisper(folder, n_positions=SHORT_POSITIONS, seed=3)


def _one(seconds: float, seed: int = 1) -> torch.Tensor:
    return torch.from_numpy(speech_like(seconds, seed=seed))[None]


@pytest.mark.parametrize("padding", ["longest", "max_length"])
def test_log_mel_is_whispers_as_transformers_computes_it(padding: str) -> None:
    """transformers' WhisperFeatureExtractor is a numpy port of Whisper's log_mel_spectrogram;
    ``max_length`` pads to 30 s as Whisper does, ``longest`` leaves the utterance as it is."""
    transformers = pytest.importorskip("transformers")
    extractor = transformers.WhisperFeatureExtractor()
    wave = speech_like(2.3, seed=8)
    expected = extractor(wave, sampling_rate=SR, return_tensors="np", padding=padding)
    expected = expected.input_features[0]  # [80, frames]
    pad_to = 30 * SR if padding == "max_length" else None
    ours = whisper_log_mel(torch.from_numpy(wave)[None], torch.tensor([len(wave)]), FBANK, pad_to)
    assert ours.shape[1:] == expected.shape
    np.testing.assert_allclose(ours[0].numpy(), expected, atol=1e-5)


def test_whispers_filterbank_is_librosas_slaney_mel() -> None:
    transformers = pytest.importorskip("transformers")
    theirs = transformers.WhisperFeatureExtractor().mel_filters.T  # [80, 201]
    np.testing.assert_allclose(FBANK.numpy(), theirs, atol=1e-7)


def test_log_mel_floor_is_eight_below_each_rows_own_peak() -> None:
    """A loud row in the batch must not lift a quiet row's floor (its second half is digital
    silence, far more than 80 dB down, so the floor binds)."""
    quiet, loud = 0.2 * _one(1.0, seed=2), _one(0.5, seed=3)
    quiet[:, SR // 2 :] = 0
    batch = torch.zeros(2, quiet.shape[-1])
    batch[0], batch[1, : loud.shape[-1]] = quiet[0], loud[0]
    lengths = torch.tensor([quiet.shape[-1], loud.shape[-1]])
    mel = whisper_log_mel(batch, lengths, FBANK, None)
    alone = whisper_log_mel(quiet, lengths[:1], FBANK, None)
    torch.testing.assert_close(mel[0], alone[0])
    assert float(mel[0].max() - mel[0].min()) == pytest.approx(8.0 / 4.0, abs=1e-5)


@pytest.mark.parametrize("samples", [0, 159, 160, 1600, 64000, 64159, 64321])
def test_one_frame_per_320_samples(samples: int) -> None:
    frontend = build_frontend("whisper", weights="tiny-random").eval()
    expected = -(-(samples // 160) // 2)
    assert int(frontend.output_lengths(torch.tensor([samples]))[0]) == expected
    if samples:
        with torch.no_grad():
            feats = frontend(_one(samples / SR))
        assert feats.shape == (1, 1, 16, expected)


@pytest.mark.parametrize(
    ("layer", "channels"), [(-1, 1), (0, 1), (2, 1), ("weighted", 1), ("all", 3)]
)
def test_layers_give_one_channel_or_all_of_them(layer: object, channels: int) -> None:
    frontend = build_frontend("whisper", weights="tiny-random", layer=layer).eval()
    with torch.no_grad():
        feats = frontend(_one(0.5))
        states = frontend.encoder(whisper_log_mel(_one(0.5), torch.tensor([8000]), FBANK, None))
    assert feats.shape == (1, channels, 16, 25)
    if layer == "all":
        for i, state in enumerate(states):
            torch.testing.assert_close(feats[0, i], state[0].T)
    elif layer == "weighted":  # equal weights at the start
        torch.testing.assert_close(feats[0, 0], torch.stack(states).mean(dim=0)[0].T)
    else:
        torch.testing.assert_close(feats[0, 0], states[layer][0].T)


def test_frozen_encoder_learns_nothing_but_the_layer_weights() -> None:
    frontend = build_frontend("whisper", weights="tiny-random", layer="weighted").train()
    assert not frontend.encoder.training, "a frozen encoder stays in eval mode"
    frontend(_one(0.4)).square().mean().backward()
    assert frontend.layer_logits.grad is not None and frontend.layer_logits.grad.abs().sum() > 0
    assert all(p.grad is None for p in frontend.encoder.parameters())


def test_unfrozen_encoder_is_fine_tuned() -> None:
    frontend = build_frontend("whisper", weights="tiny-random", freeze=False).train()
    frontend(_one(0.4)).square().mean().backward()
    grads = [p.grad for p in frontend.encoder.parameters()]
    assert all(g is not None and g.abs().sum() > 0 for g in grads)
    assert frontend.encoder.positions.requires_grad is False  # Whisper's positions are fixed


def test_a_long_input_is_encoded_window_by_window(short_context: Path) -> None:
    """Past the encoder's context (here 1 s), consecutive windows are encoded alone and their
    frames concatenated; the log-mel (and its floor) is the whole utterance's."""
    frontend = build_frontend("whisper", weights=str(short_context)).eval()
    wave = _one(2.5, seed=5)
    with torch.no_grad():
        feats = frontend(wave)[0, 0].T  # [frames, width]
        mel = whisper_log_mel(wave, torch.tensor([wave.shape[-1]]), FBANK, None)
        pieces = [frontend.encoder(mel[..., s : s + 100])[-1][0] for s in (0, 100, 200)]
    assert feats.shape[0] == 125
    torch.testing.assert_close(feats, torch.cat(pieces), atol=1e-5, rtol=1e-5)


def test_padding_to_the_window_moves_a_short_inputs_features(short_context: Path) -> None:
    """The encoder attends to padding frames, so padding a short input to the window changes its
    features; an input that fills the window differs only by how its last STFT frame ends
    (reflected, or zeros as Whisper pads)."""
    build = {p: build_frontend("whisper", weights=str(short_context), padding=p).eval()
             for p in ("none", "30s")}  # fmt: skip
    with torch.no_grad():
        full = [build[p](_one(1.0, seed=6)) for p in ("none", "30s")]
        short = [build[p](_one(0.4, seed=6)) for p in ("none", "30s")]
    assert short[0].shape == short[1].shape == (1, 1, 16, 20)
    moved_full = float((full[0] - full[1]).abs().max() / full[1].abs().max())
    moved_short = float((short[0] - short[1]).abs().max() / short[1].abs().max())
    assert moved_full < 0.01 < 0.05 < moved_short, (moved_full, moved_short)


@pytest.mark.parametrize("padding", ["none", "30s"])
def test_rows_across_windows_keep_to_themselves(short_context: Path, padding: str) -> None:
    """A padded batch whose long row spans three windows: every row equals itself alone."""
    frontend = build_frontend("whisper", weights=str(short_context), padding=padding).eval()
    waves = [_one(2.2, seed=1), _one(0.7, seed=2), _one(1.3, seed=3)]
    lengths = torch.tensor([w.shape[-1] for w in waves])
    batch = torch.zeros(3, int(lengths.max()))
    for row, wave in enumerate(waves):
        batch[row, : wave.shape[-1]] = wave[0]
    with torch.no_grad():
        together = frontend(batch, lengths)
        for row, wave in enumerate(waves):
            alone = frontend(wave)
            part = together[row : row + 1, ..., : alone.shape[-1]]
            torch.testing.assert_close(part, alone, atol=1e-5, rtol=1e-5)
            assert not together[row, ..., alone.shape[-1] :].any()


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"layer": 3}, "layer"),
        ({"layer": -4}, "layer"),
        ({"layer": "last"}, "layer"),
        ({"layer": True}, "layer"),
        ({"padding": "15s"}, "padding"),
        ({"freeze": "yes"}, "freeze"),
        ({"sample_rate": 8000}, "sample_rate"),
        ({"weights": None}, "weights"),
    ],
)
def test_bad_parameters_fail_under_their_key(params: dict, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        build_frontend("whisper", **{"weights": "tiny-random", **params})
    assert caught.value.what == key


def test_a_truncated_model_file_is_refused_on_build(tmp_path: Path) -> None:
    folder = save_tiny_whisper(tmp_path / "cut")
    data = (folder / MODEL_FILE).read_bytes()
    (folder / MODEL_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="file ends early"):
        build_frontend("whisper", weights=str(folder))
