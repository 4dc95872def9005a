"""Run an ONNX model whose random-normal ops draw from a seed the caller gives, not from ONNX Runtime.

ONNX Runtime seeds each ``RandomNormalLike`` kernel once, when the session is made, and its draws
then depend on how many runs the session has done before. A build that renders a voice in a pool of
worker processes hands each worker a different set of texts, so a neural TTS voice never rendered
the same file twice. Here every such op is rewritten to read its noise from an extra graph input
(the first ``numel`` values of a standard-normal "bank"), and :class:`SeededSession` fills the banks
from a :class:`numpy.random.Generator` the caller seeds per utterance. The noise has the same
distribution as the op's own, so the voice sounds the same; it is only reproducible now.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spoofscope.errors import AudioError

RANDOM_OPS = ("RandomNormalLike",)
BANK_PREFIX = "seeded_noise_"
# Each bank holds this many values per element of the model's largest input (the phoneme ids for a
# TTS voice); a run whose noise needs more is retried with banks twice as long.
BANK_PER_INPUT = 4096
MAX_DOUBLINGS = 6


def seed_random_ops(model: Any) -> list[str]:
    """Rewrite every random-normal op of ``model`` (an ``onnx.ModelProto``, in place) to read a bank.

    Each op ``y = RandomNormalLike(x)`` becomes ``y = Reshape(Slice(bank, 0, Size(x)), Shape(x))``,
    scaled and shifted by the op's own ``scale`` and ``mean``, with ``bank`` a new 1-D float input.

    Returns:
        The names of the bank inputs added, in graph order.

    Raises:
        AudioError: when an op asks for a dtype other than float32.
    """
    from onnx import TensorProto, helper

    graph = model.graph
    banks: list[str] = []
    nodes = []
    for node in graph.node:
        if node.op_type not in RANDOM_OPS:
            nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("dtype", TensorProto.FLOAT) != TensorProto.FLOAT:
            raise AudioError(f"onnx op {node.name}", "random noise other than float32")
        bank = f"{BANK_PREFIX}{len(banks)}"
        banks.append(bank)
        graph.input.append(helper.make_tensor_value_info(bank, TensorProto.FLOAT, ["n"]))
        x, y, tag = node.input[0], node.output[0], f"{bank}/"
        zero = helper.make_tensor(f"{tag}zero", TensorProto.INT64, [1], [0])
        one = helper.make_tensor(f"{tag}one", TensorProto.INT64, [1], [1])
        scale = helper.make_tensor(f"{tag}scale", TensorProto.FLOAT, [], [attrs.get("scale", 1.0)])
        mean = helper.make_tensor(f"{tag}mean", TensorProto.FLOAT, [], [attrs.get("mean", 0.0)])
        graph.initializer.extend([zero, one, scale, mean])
        nodes += [
            helper.make_node("Size", [x], [f"{tag}size"]),
            helper.make_node("Reshape", [f"{tag}size", f"{tag}one"], [f"{tag}end"]),
            helper.make_node("Slice", [bank, f"{tag}zero", f"{tag}end"], [f"{tag}flat"]),
            helper.make_node("Shape", [x], [f"{tag}shape"]),
            helper.make_node(
                "Reshape", [f"{tag}flat", f"{tag}shape"], [f"{tag}unit"], name=f"{tag}reshape"
            ),
            helper.make_node("Mul", [f"{tag}unit", f"{tag}scale"], [f"{tag}scaled"]),
            helper.make_node("Add", [f"{tag}scaled", f"{tag}mean"], [y]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)
    return banks


class SeededSession:
    """An ONNX Runtime session over a model rewritten by :func:`seed_random_ops`.

    It answers ``run(output_names, feeds)`` like the session it wraps, adding the noise banks drawn
    from :attr:`rng`; set ``rng`` to a freshly seeded generator before each utterance.
    """

    def __init__(self, model_path: str, threads: int = 1) -> None:
        import onnx
        import onnxruntime as ort

        model = onnx.load(model_path)
        self.banks = seed_random_ops(model)
        options = ort.SessionOptions()
        # One thread per worker process: the build parallelises over files, and a fixed thread
        # count also keeps the float reductions in one order.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # A bank that runs short is an expected, retried failure: keep it off stderr.
        options.log_severity_level = 4
        self.session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self.rng = np.random.default_rng(0)

    def run(self, output_names: list[str] | None, feeds: dict[str, np.ndarray]) -> list[Any]:
        """Run the model on ``feeds`` with noise from :attr:`rng`.

        Raises:
            AudioError: when the model needs more noise than the largest bank tried.
        """
        from onnxruntime.capi.onnxruntime_pybind11_state import Fail

        size = BANK_PER_INPUT * max(int(np.asarray(v).size) for v in feeds.values())
        for _ in range(MAX_DOUBLINGS):
            noise = {b: self.rng.standard_normal(size, dtype=np.float32) for b in self.banks}
            try:
                return self.session.run(output_names, {**feeds, **noise})
            except Fail as err:
                # A bank shorter than the op's tensor leaves its Reshape with too few values.
                if not any(f"{b}/reshape" in str(err) for b in self.banks):
                    raise
                size *= 2
        raise AudioError("onnx model", f"needs more than {size // 2} noise values per op")
