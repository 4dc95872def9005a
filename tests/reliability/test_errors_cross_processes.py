"""A typed error raised in another process arrives as itself, and the CLI still prints one line.

Errors cross processes two ways: pickle (process pools, torch's DataLoader for the objects it
sends) and torch's ``ExceptionWrapper.reraise``, which rebuilds a worker's error as
``exc_type(text)`` from its formatted traceback. Both used to fail for every spoofscope error, so
a worker's NotAudioError became ``RuntimeError: Caught NotAudioError in DataLoader worker ...``.
"""

from __future__ import annotations

import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml
from torch._utils import ExceptionWrapper
from torch.utils.data import DataLoader

from spoofscope import errors
from spoofscope.audio import load
from spoofscope.corpora import CORPORA
from spoofscope.corpora.dataset import AudioDataset
from spoofscope.evaluation.scorefile import read_scores
from tests.fixtures.corpora import build_asvspoof2019
from tests.integration.cli_runner import run_cli
from tests.unit.training.tiny_corpus import build_la

FLAC = "/data/ASVspoof2019/LA/ASVspoof2019_LA_train/flac/LA_T_1000137.flac"
PROTOCOL = "/data/ASVspoof2019/LA/ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt"


def _every_error_class(base: type = errors.SpoofscopeError) -> list[type]:
    out = [base]
    for sub in base.__subclasses__():
        out += _every_error_class(sub)
    return out


def _sample(cls: type) -> errors.SpoofscopeError:
    """An instance of ``cls`` as spoofscope raises it, with every constructor argument given."""
    if issubclass(cls, errors.UnknownNameError):
        return cls("model", "aasist-xl", ["aasist", "aasist-l", "lcnn"])
    if issubclass(cls, errors.TextDecodeError):
        return cls(PROTOCOL, 3, "byte 0xe9 at offset 71 is not UTF-8", offset=71)
    if issubclass(cls, errors.ParseError):
        return cls(PROTOCOL, 3, "2 fields, need 5")
    return cls(FLAC, "not an audio file in any supported format")


CLASSES = [c for c in _every_error_class() if c.__module__ == errors.__name__]


def test_the_class_list_is_every_error_in_the_module() -> None:
    declared = {
        v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)
    }
    assert set(CLASSES) == declared and len(CLASSES) > 15


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_survives_pickle_with_its_attributes(cls: type) -> None:
    exc = _sample(cls)
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is cls
    assert str(back) == str(exc) and vars(back) == vars(exc)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_error_survives_torch_reraise_as_itself(cls: type) -> None:
    exc = _sample(cls)
    try:
        raise exc
    except errors.SpoofscopeError:
        wrapped = ExceptionWrapper(sys.exc_info(), where="in DataLoader worker process 0")
    with pytest.raises(cls) as caught:
        wrapped.reraise()
    back = caught.value
    assert type(back) is cls and str(back) == str(exc)
    assert (back.what, back.why) == (exc.what, exc.why)
    # The worker's traceback is kept where a traceback shows it, not in the one-line message.
    assert "Caught" in back.__notes__[0] and "test_errors_cross_processes" in back.__notes__[0]


def test_rebuilt_errors_recover_their_extra_attributes_from_the_message() -> None:
    parse = errors.ProtocolError(str(_sample(errors.ProtocolError)))
    assert (parse.what, parse.line, parse.why) == (f"{PROTOCOL}:3", 3, "2 fields, need 5")
    name = errors.UnknownNameError(str(_sample(errors.UnknownNameError)))
    assert (name.kind, name.name) == ("model", "aasist-xl")
    assert name.allowed == ["aasist", "aasist-l", "lcnn"]


@pytest.fixture
def not_audio(tmp_path: Path) -> Path:
    """An ASVspoof 2019 LA tree whose first training file is a text file named .flac."""
    build_asvspoof2019(tmp_path, "LA")
    flac = next((tmp_path / "LA" / "ASVspoof2019_LA_train" / "flac").glob("*.flac"))
    flac.write_text("LA_0079 LA_T_1000137 - - bonafide\n")
    return flac


def test_a_dataloader_worker_raises_the_typed_error_of_the_file(not_audio: Path) -> None:
    with pytest.raises(errors.NotAudioError) as direct:
        load(not_audio)
    manifest = CORPORA.get("asvspoof2019-la")().prepare(not_audio.parents[3])
    train = manifest.filter(where=lambda u: u.path == str(not_audio))
    loader = DataLoader(AudioDataset(train), batch_size=1, num_workers=1)
    with pytest.raises(errors.NotAudioError) as caught:
        next(iter(loader))
    assert (caught.value.what, caught.value.why) == (direct.value.what, direct.value.why)
    assert str(caught.value) == f"{not_audio}: {direct.value.why}"


def test_a_process_pool_raises_the_typed_error_with_its_attributes(
    not_audio: Path, tmp_path: Path
) -> None:
    latin1 = tmp_path / "scores.txt"
    header = "utt_id\tspeaker\tattack\tkey\tscore\n"
    latin1.write_bytes((header + "LA_E_1\tJosé\t-\tbonafide\t1.5\n").encode("latin-1"))
    with ProcessPoolExecutor(max_workers=1) as pool:
        audio = pool.submit(load, not_audio).exception()
        text = pool.submit(read_scores, latin1).exception()
    assert type(audio) is errors.NotAudioError and audio.what == str(not_audio)
    assert type(text) is errors.TextDecodeError
    offset = latin1.read_bytes().index("é".encode("latin-1"))
    assert (text.what, text.line, text.offset) == (f"{latin1}:2", 2, offset)


@pytest.mark.slow
def test_train_cli_exits_2_with_one_line_when_a_worker_cannot_read_audio(tmp_path: Path) -> None:
    root = build_la(tmp_path / "la", {"train": 1, "dev": 1, "eval": 1}, 0.25, ("train", "dev"))
    for flac in (root / "LA" / "ASVspoof2019_LA_train" / "flac").glob("*.flac"):
        flac.write_text(
            "LA_0079 LA_T_1000001 - - bonafide\n"
        )  # every batch fails, the first at once
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(
        yaml.safe_dump(
            {
                "data": {"corpus": "asvspoof2019-la", "root": str(root), "crop_samples": 4000,
                         "batch_size": 4, "workers": 1},
                "model": {"name": "lcnn"},
                "train": {"epochs": 1, "max_steps": 2, "seed": 1},
            }
        )
    )  # fmt: skip
    result = run_cli("train", "--config", str(recipe), "--out", str(tmp_path / "run"), "--quiet")
    assert result.code == 2
    errors_printed = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors_printed) == 1 and "Traceback" not in result.err
    assert errors_printed[0].endswith(": not an audio file in any supported format")
    assert str(root / "LA" / "ASVspoof2019_LA_train" / "flac") in errors_printed[0]
