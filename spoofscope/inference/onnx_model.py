"""An exported ONNX graph run by ONNX Runtime, usable wherever a spoofscope model scores.

:class:`OnnxCountermeasure` has the part of the model contract scoring uses: ``.to(device)``
and ``.eval()`` return the object, ``.score(wave: [B, T]) -> [B]`` returns a torch tensor, so
the Detector, ``spoofscope evaluate`` and the windowing loop take it as they take a torch model.
The card comes from the file's metadata (:mod:`spoofscope.export.onnx`), validated as a
``card.json`` is.

ONNX Runtime runs each session on ``threads`` intra-op threads, one by default: a server scales
by processes, and one thread per process is the setting the benchmarks measure.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.export.onnx import CARD_KEY, EXPORT_KEY, INPUT, OPSET, OUTPUT, export_onnx
from spoofscope.models.card import ModelCard

#: ONNX Runtime's execution provider for each torch device type spoofscope runs on
PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}


class OnnxCountermeasure:
    """An ONNX Runtime session over a spoofscope graph ``wave [B, T] → score [B]``.

    Args:
        path: the ``.onnx`` file written by :func:`spoofscope.export.onnx.export_onnx`.
        threads: ONNX Runtime intra-op threads (1 by default).

    Attributes:
        card: the model card from the file's metadata, validated.
        export: the export facts stored beside it (opset, quantization, versions).

    Raises:
        CheckpointError: no such file, not a graph ONNX Runtime can load, no card or a card
            that does not validate, or an input and output other than a spoofscope export's.
        ConfigError: ``threads`` below 1.
    """

    def __init__(self, path: str | Path, threads: int = 1) -> None:
        if threads < 1:
            raise ConfigError("threads", f"must be at least 1, got {threads}")
        self.path = Path(path)
        if not self.path.is_file():
            raise CheckpointError(self.path, "no such ONNX file")
        # the graph is kept in memory, so a session for another device needs no file
        try:
            self.graph = self.path.read_bytes()
        except OSError as exc:
            raise CheckpointError(self.path, f"unreadable: {exc.strerror or exc}") from None
        self.threads = threads
        self.device = torch.device("cpu")
        self.session = _session(self.graph, self.path, threads, PROVIDERS["cpu"])
        self.card, self.export = _metadata(self.session, self.path)
        _check_signature(self.session, self.path)
        self.sample_rate = self.card.input.sample_rate
        self.crop_samples = self.card.input.crop_samples
        self.score_kind = self.card.score_kind

    @property
    def quantization(self) -> str | None:
        """The export's quantization (``int8-matmul``, ``int8-full``) or None for float32."""
        return self.export.get("quantization")

    def to(self, device: str | torch.device) -> OnnxCountermeasure:
        """Run on ``device`` (``cpu``, or ``cuda`` where this ONNX Runtime has CUDA); returns self.

        Raises:
            ConfigError: no ONNX Runtime provider for that device here.
        """
        import onnxruntime as ort

        device = torch.device(device)
        if device.type == self.device.type:
            return self
        provider = PROVIDERS.get(device.type)
        if provider is None or provider not in ort.get_available_providers():
            raise ConfigError(
                "device",
                f"{device}: this onnxruntime has no provider for it (it has "
                f"{', '.join(ort.get_available_providers())}); run the .onnx model on cpu",
            )
        self.session = _session(self.graph, self.path, self.threads, provider)
        self.device = device
        return self

    def eval(self) -> OnnxCountermeasure:
        """A graph has no training mode; returns self (the torch model contract)."""
        return self

    def score(self, wave: torch.Tensor) -> torch.Tensor:
        """Scores ``[B]`` (higher = more bona fide) of ``wave: [B, T]`` float at the card's rate."""
        if wave.dim() != 2:
            raise ConfigError("wave", f"expected a [B, T] batch, got shape {tuple(wave.shape)}")
        samples = np.ascontiguousarray(wave.detach().to("cpu", torch.float32).numpy())
        (scores,) = self.session.run([OUTPUT], {INPUT: samples})
        return torch.from_numpy(scores)

    def __repr__(self) -> str:
        quant = self.quantization or "float32"
        return f"OnnxCountermeasure({self.card.architecture}, {quant}, {self.path})"


def _session(graph: bytes, path: Path, threads: int, provider: str) -> Any:
    """An ONNX Runtime session over the serialised ``graph`` (read from ``path``)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    providers = [provider] if provider == PROVIDERS["cpu"] else [provider, PROVIDERS["cpu"]]
    try:
        return ort.InferenceSession(graph, sess_options=options, providers=providers)
    except Exception as exc:  # ORT raises its own pybind types (Fail, InvalidGraph, ...)
        reason = " ".join(str(exc).split())[:200]
        raise CheckpointError(path, f"not an ONNX model onnxruntime can load: {reason}") from None


def _check_signature(session: Any, path: Path) -> None:
    inputs = [i.name for i in session.get_inputs()]
    outputs = [o.name for o in session.get_outputs()]
    if inputs != [INPUT] or outputs != [OUTPUT]:
        raise CheckpointError(
            path,
            f"takes {inputs} and gives {outputs}, not the [{INPUT}] -> [{OUTPUT}] "
            "of a spoofscope export",
        )


def _metadata(session: Any, path: Path) -> tuple[ModelCard, dict[str, Any]]:
    """The model card and export facts in a loaded graph's metadata.

    Raises:
        CheckpointError: no card, or a card that is not JSON or does not validate.
    """
    meta = dict(session.get_modelmeta().custom_metadata_map)
    if CARD_KEY not in meta:
        raise CheckpointError(
            path, f"holds no model card ({CARD_KEY}); export it with `spoofscope export`"
        )
    try:
        card_data = json.loads(meta[CARD_KEY], parse_constant=_refuse_constant)
        export = json.loads(meta.get(EXPORT_KEY, "{}"), parse_constant=_refuse_constant)
    except ValueError as exc:
        raise CheckpointError(path, f"unreadable model card in its metadata: {exc}") from None
    return ModelCard.parse(card_data, path), export


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a card may hold")


def load_onnx(path: str | Path, threads: int = 1) -> tuple[OnnxCountermeasure, ModelCard]:
    """Load a ``.onnx`` file written by :func:`spoofscope.export.onnx.export_onnx`.

    Returns:
        ``(model, card)``, as :func:`spoofscope.inference.resolve.load_model` returns them.

    Raises:
        CheckpointError, ConfigError: see :class:`OnnxCountermeasure`.
    """
    model = OnnxCountermeasure(path, threads)
    return model, model.card


def export_key(model: torch.nn.Module, card: ModelCard, quantize: str | None) -> str:
    """A content hash of what an export depends on: weights, card, quantization, versions."""
    import spoofscope

    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(str(tensor.dtype).encode() + str(tuple(tensor.shape)).encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    facts = [card.to_dict(), quantize, OPSET, spoofscope.__version__, torch.__version__]
    digest.update(json.dumps(facts, sort_keys=True).encode())
    return digest.hexdigest()


def as_onnx(
    model: torch.nn.Module,
    card: ModelCard | dict[str, Any],
    quantize: str | None = None,
    cache_dir: str | Path | None = None,
    threads: int = 1,
) -> OnnxCountermeasure:
    """``model`` exported to ONNX and loaded in ONNX Runtime, for ``Detector(..., backend="onnx")``.

    With ``cache_dir`` the graph is kept there under a hash of the weights, card, quantization
    and versions, and reused by the next call with the same model (an export costs seconds);
    without it the graph is written to a temporary folder that is removed once loaded.

    Raises:
        ConfigError, ExportError: see :func:`spoofscope.export.onnx.export_onnx`.
    """
    from spoofscope.export.onnx import check_quantization

    check_quantization(quantize)
    if not isinstance(card, ModelCard):
        card = ModelCard.parse(card, "card")
    if cache_dir is None:
        with tempfile.TemporaryDirectory(prefix="spoofscope-onnx-") as scratch:
            path = export_onnx(model, card, Path(scratch) / "model.onnx", quantize)
            # the model holds the graph in memory: the file can go with the folder
            return OnnxCountermeasure(path, threads)
    folder = Path(cache_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tag = f"-{quantize}" if quantize else ""
    path = folder / f"{card.architecture}-{export_key(model, card, quantize)[:20]}{tag}.onnx"
    if path.is_file():
        try:
            return OnnxCountermeasure(path, threads)
        except CheckpointError:
            pass  # a damaged cache entry is exported again below
    export_onnx(model, card, path, quantize)
    return OnnxCountermeasure(path, threads)
