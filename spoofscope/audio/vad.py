"""Is there speech at all? A voice-activity detector in front of the countermeasure.

A countermeasure asked about two seconds of digital silence or a 300 Hz tone still answers, and
confidently (the shipped default said ``bonafide, p_spoof 0.023`` to silence and ``spoof 0.909``
to a 50 ms tone). The Detector asks this module first, and says ``no-speech`` instead of guessing.

The detector is Silero VAD (MIT; the ``silero-vad`` wheel ships its weights). It was chosen over
WebRTC's VAD by measurement on the cases that matter here (``docs/architecture.md``, "Voice
activity"): WebRTC's GMM marked 100% of the frames of pure tones, white noise and mains hum as
speech, Silero 0%; on LocalSpoof speech, bona fide and synthetic alike, both found speech in
every file of more than a second.

Silero's model reads 32-ms frames (512 samples at 16 kHz) each with the 64 samples before it as
context; a few convolutions turn each frame into 128 numbers, and an LSTM carries state across
frames. The wheel's own runtimes call the network once per frame (31 calls a second of audio:
an RTF of 0.12 on one thread here, ten times the whole detection budget); the convolutions do not
depend on the state, so this module runs them on every frame of a recording in one batch and the
recurrence as one ``torch.nn.LSTM`` call, from the same weights
(those of the wheel's TorchScript model). ``tests/unit/audio/test_vad.py`` pins that its
probabilities equal the wheel's frame by frame.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from importlib import resources

import numpy as np
import torch
from torch import nn

from spoofscope.errors import ConfigError

#: the rate Silero's 16 kHz network reads
VAD_RATE = 16000
#: samples per frame, and samples of context read before each frame
FRAME = 512
CONTEXT = 64
#: a frame is speech when its probability reaches this. Silero's own default, 0.5, is a threshold
#: for cutting speech segments; as a test of presence it missed 8 of LocalSpoof small's 900 dev
#: and eval files, all single short words (their frames peaked at 0.35-0.85), while silence,
#: tones, white noise and mains hum never took a frame above 0.05. 0.2 keeps every one of those
#: words and stays four times above the non-speech peaks.
SPEECH_THRESHOLD = 0.2
#: a recording, or a window of one, holds speech when at least this many seconds of its frames
#: are speech: two frames, so that one click does not count, while the shortest words pass
MIN_SPEECH_SECONDS = 2 * 512 / 16000
#: frames the network reads at a time (5 s of audio)
GROUP = 156


class SileroNet(nn.Module):
    """Silero VAD's 16 kHz network, its convolutions batched over frames.

    ``forward(frames [N, CONTEXT + FRAME], state) -> ([N] speech probabilities, state)`` for N
    consecutive frames of one recording: the LSTM's state runs from the first frame to the last,
    starting from ``state`` (None: the start of a recording).
    """

    def __init__(self) -> None:
        super().__init__()
        # The "STFT" is a fixed convolution whose 258 kernels are the real and imaginary
        # parts of a 256-point DFT (129 bins each), at a stride of 128.
        self.stft = nn.Conv1d(1, 258, kernel_size=256, stride=128, bias=False)
        self.convs = nn.ModuleList(
            [
                nn.Conv1d(129, 128, 3, stride=1, padding=1),
                nn.Conv1d(128, 64, 3, stride=2, padding=1),
                nn.Conv1d(64, 64, 3, stride=2, padding=1),
                nn.Conv1d(64, 128, 3, stride=1, padding=1),
            ]
        )
        self.lstm = nn.LSTM(128, 128, batch_first=True)
        self.head = nn.Conv1d(128, 1, 1)

    def forward(
        self, frames: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        x = nn.functional.pad(frames[:, None, :], (0, CONTEXT), mode="reflect")
        spec = self.stft(x)
        x = torch.sqrt(spec[:, :129] ** 2 + spec[:, 129:] ** 2)
        for conv in self.convs:
            x = torch.relu(conv(x))
        features = x.squeeze(-1)  # [N, 128]: the two stride-2 layers leave one step per frame
        hidden, state = self.lstm(features[None], state)  # [1, N, 128]
        out = self.head(torch.relu(hidden[0])[:, :, None])  # [N, 1, 1]
        return torch.sigmoid(out).reshape(-1), state

    def load_wheel_weights(self) -> SileroNet:
        """Load the 16 kHz weights of the model the ``silero-vad`` wheel runs.

        They are read from the wheel's TorchScript file, the one its own ``load_silero_vad()``
        runs: the wheel's ``silero_vad_16k.safetensors`` holds weights of another release
        (its first convolution differs by up to 4.0 and its probabilities by up to 0.46).
        """
        path = resources.files("silero_vad") / "data" / "silero_vad.jit"
        with warnings.catch_warnings():  # torch 2.13 deprecates TorchScript loading; only read here
            warnings.simplefilter("ignore", DeprecationWarning)
            state = torch.jit.load(str(path), map_location="cpu").state_dict()
        mapped = {
            "stft.weight": state["_model.stft.forward_basis_buffer"],
            "lstm.weight_ih_l0": state["_model.decoder.rnn.weight_ih"],
            "lstm.weight_hh_l0": state["_model.decoder.rnn.weight_hh"],
            "lstm.bias_ih_l0": state["_model.decoder.rnn.bias_ih"],
            "lstm.bias_hh_l0": state["_model.decoder.rnn.bias_hh"],
            "head.weight": state["_model.decoder.decoder.2.weight"],
            "head.bias": state["_model.decoder.decoder.2.bias"],
        }
        for i in range(4):
            for kind in ("weight", "bias"):
                mapped[f"convs.{i}.{kind}"] = state[f"_model.encoder.{i}.reparam_conv.{kind}"]
        self.load_state_dict(mapped)
        return self.eval()


@functools.cache
def _network() -> SileroNet:
    return SileroNet().load_wheel_weights()


class SpeechTracker:
    """Speech probabilities of a recording that arrives in pieces, in bounded memory.

    ``feed(samples)`` returns the probabilities of the frames the new samples complete; ``flush()``
    those of a last, zero-padded partial frame. Fed a recording in any pieces, it gives the
    probabilities :func:`speech_activity` gives for the whole (frames are cut where Silero's own
    loop cuts them: every :data:`FRAME` samples from the start, each with the :data:`CONTEXT`
    samples before it, zeros before the start).
    """

    def __init__(self) -> None:
        self._tail = np.zeros(CONTEXT, np.float32)  # the context of the next frame
        self._pending = np.zeros(0, np.float32)  # samples of a frame not yet complete
        self._state: tuple[torch.Tensor, torch.Tensor] | None = None

    @torch.inference_mode()
    def feed(self, samples: np.ndarray) -> np.ndarray:
        data = np.concatenate([self._tail, self._pending, np.asarray(samples, np.float32)])
        n = (data.shape[0] - CONTEXT) // FRAME
        out = []
        # Frames go through the network GROUP at a time: the activations of a 30-s block at
        # once (8 MB) would raise the peak memory of the Detector's block path by half.
        for first in range(0, n, GROUP):
            count = min(GROUP, n - first)
            index = (first + np.arange(count))[:, None] * FRAME + np.arange(CONTEXT + FRAME)
            probs, self._state = _network()(torch.from_numpy(data[index]), self._state)
            out.append(probs.numpy())
        used = CONTEXT + n * FRAME
        self._tail, self._pending = data[used - CONTEXT : used], data[used:]
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def flush(self) -> np.ndarray:
        """Probabilities of the last partial frame, zero-padded (none when there is none)."""
        if self._pending.shape[0] == 0:
            return np.zeros(0, np.float32)
        pad = np.zeros(FRAME - self._pending.shape[0], np.float32)
        return self.feed(pad)


@dataclass(frozen=True)
class SpeechActivity:
    """Frame-level speech probabilities of one recording.

    Attributes:
        probs: speech probability of each 32-ms frame, in order.
        frame_seconds: seconds per frame (0.032).
    """

    probs: np.ndarray
    frame_seconds: float = FRAME / VAD_RATE

    @property
    def speech_seconds(self) -> float:
        """Seconds of frames at or above :data:`SPEECH_THRESHOLD`."""
        return float((self.probs >= SPEECH_THRESHOLD).sum()) * self.frame_seconds

    @property
    def has_speech(self) -> bool:
        return self.speech_seconds >= MIN_SPEECH_SECONDS

    def speech_in(self, start_s: float, end_s: float) -> bool:
        """Whether the span [start_s, end_s) holds :data:`MIN_SPEECH_SECONDS` of speech frames,
        counting the frames that lie inside it (all of a span shorter than that must be speech)."""
        lo = math.ceil(round(start_s / self.frame_seconds, 6))
        hi = max(lo + 1, math.floor(round(end_s / self.frame_seconds, 6)))
        speech = float((self.probs[lo:hi] >= SPEECH_THRESHOLD).sum()) * self.frame_seconds
        return speech >= min(MIN_SPEECH_SECONDS, (hi - lo) * self.frame_seconds)


def speech_activity(wave: np.ndarray, sr: int) -> SpeechActivity:
    """Speech probability of each 32-ms frame of a mono waveform.

    Args:
        wave: samples ``[T]`` in [-1, 1].
        sr: their rate; must be :data:`VAD_RATE` (the Detector resamples to its model's rate,
            16 kHz for every shipped model).

    Raises:
        ConfigError: another rate.
    """
    if sr != VAD_RATE:
        raise ConfigError("sample_rate", f"the voice-activity check reads {VAD_RATE} Hz, got {sr}")
    tracker = SpeechTracker()
    return SpeechActivity(np.concatenate([tracker.feed(wave), tracker.flush()]))
