"""A resumed LocalSpoof build checks the files it finds and renders the damaged ones again.

Each test starts from a copy of the cached tiny build (the uninterrupted build), damages or
removes a few files the way a crash, a full disk or a kill would, resumes, and compares the
result with the uninterrupted build. The victims are bona fide and flite/espeak files, which
render in a fraction of a second, so a resume costs little more than checking 60 files.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.localspoof import build as build_module
from spoofscope.localspoof import rendering
from spoofscope.localspoof.atomic import TMP_SUFFIX
from spoofscope.localspoof.build import build
from spoofscope.localspoof.digest import CHECKSUMS, build_digest, pcm_digest, read_checksums
from spoofscope.localspoof.layout import FAILURES, MANIFEST, PROTOCOL_DIR, read_manifest
from spoofscope.localspoof.rendering import BuildResult
from spoofscope.localspoof.sources import discover
from tests.fixtures.localspoof import TINY_PROTOCOL, TINY_SEED, tiny_corpus
from tests.integration.cli_runner import run_cli

pytestmark = pytest.mark.slow

#: Attacks whose files render fastest: bona fide (decode and channel), espeak-ng and flite.
CHEAP = ("-", "L01", "L02")


@pytest.fixture(scope="module")
def tiny() -> Path:
    return tiny_corpus()


@pytest.fixture(scope="module", autouse=True)
def sources_found_once() -> Iterator[None]:
    """Every resume here plans from the same installed sources; finding them (``sf.info`` on
    ~6,500 recordings, 6-17 s on two busy cores) once for the module keeps each test a few
    seconds long."""
    found: dict[tuple, list] = {}

    def discover_once(voices: tuple = ()) -> list:
        # keyed by the protocol's voices: a v2 resume must not plan from v1's sources
        if voices not in found:
            found[voices] = discover(voices) if voices else discover()
        return found[voices]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build_module, "discover", discover_once)
        yield


@pytest.fixture
def copy(tiny: Path, tmp_path: Path) -> Path:
    """A copy of the uninterrupted tiny build, to damage."""
    return Path(shutil.copytree(tiny, tmp_path / "localspoof-tiny"))


def cheap_files(root: Path, n: int) -> list[tuple[str, Path]]:
    """(utt_id, path) of ``n`` files of :data:`CHEAP` attacks, taking the attacks in turn."""
    rows = read_manifest(root)
    by_attack = [[r for r in rows if r["attack"] == a] for a in CHEAP]
    picked = [r for turn in zip(*by_attack, strict=False) for r in turn][:n]
    assert len(picked) == n
    return [(r["utt_id"], root / r["path"]) for r in picked]


def resume(root: Path, workers: int = 1) -> BuildResult:
    return build(
        root,
        size="tiny",
        workers=workers,
        seed=TINY_SEED,
        progress=False,
        run_audit=False,
        protocol=TINY_PROTOCOL,
    )


def truncate(path: Path) -> None:
    """Keep the first half of ``path``'s bytes (a copy that ran out of space)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def zero_audio_frames(path: Path) -> None:
    """Overwrite everything after the FLAC metadata blocks with NUL bytes, keeping the size.

    What a crash before the disk flushed can leave: the header reads, the audio is gone.
    """
    data = path.read_bytes()
    assert data[:4] == b"fLaC"
    pos = 4
    while True:  # each block: 1 byte last-flag|type, 3 bytes length
        last = data[pos] & 0x80
        pos += 4 + int.from_bytes(data[pos + 1 : pos + 4], "big")
        if last:
            break
    path.write_bytes(data[:pos] + bytes(len(data) - pos))


def punch_hole(path: Path) -> None:
    """NUL out 2 kB in the middle of ``path`` (a bad sector): its header and last frame still read."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2048] = bytes(2048)
    path.write_bytes(bytes(data))


def assert_same_corpus(root: Path, tiny: Path) -> None:
    """``root`` holds what the uninterrupted build holds, checksums and described files alike."""
    assert read_checksums(root) == read_checksums(tiny)
    assert build_digest(root) == build_digest(tiny)
    assert (root / MANIFEST).read_text() == (tiny / MANIFEST).read_text()
    for protocol in sorted((tiny / PROTOCOL_DIR).iterdir()):
        assert (root / PROTOCOL_DIR / protocol.name).read_text() == protocol.read_text()
    assert not list(root.glob(f"LA/*/flac/.*{TMP_SUFFIX}"))


def test_cut_zeroed_and_holed_files_are_rendered_again(copy: Path, tiny: Path) -> None:
    (cut_id, cut), (zeroed_id, zeroed), (holed_id, holed) = cheap_files(copy, 3)
    truncate(cut)
    zero_audio_frames(zeroed)
    punch_hole(holed)
    # Their headers still read, and the holed file's last frame too: a header check keeps them.
    assert sf.info(zeroed).frames == sf.info(tiny / zeroed.relative_to(copy)).frames
    with sf.SoundFile(holed) as fh:
        fh.seek(fh.frames - 1)
        assert fh.read(1).shape == (1,)
    result = resume(copy, workers=2)
    assert [u for u, _ in result.damaged] == sorted([cut_id, zeroed_id, holed_id])
    assert (result.rendered, result.skipped) == (3, 57)
    assert result.digest == build_digest(tiny)
    for path in (cut, zeroed, holed):
        assert pcm_digest(path) == pcm_digest(tiny / path.relative_to(copy))
    assert_same_corpus(copy, tiny)


def test_a_file_with_other_samples_is_caught_by_its_checksum(copy: Path, tiny: Path) -> None:
    """Another utterance's intact FLAC under this name decodes and matches its own header; only
    the checksum in checksums.tsv tells it apart."""
    (victim_id, victim), (_, other) = cheap_files(copy, 2)
    shutil.copyfile(other, victim)
    result = resume(copy)
    assert len(result.damaged) == 1
    utt_id, why = result.damaged[0]
    assert utt_id == victim_id and CHECKSUMS in why
    assert result.rendered == 1
    assert_same_corpus(copy, tiny)


def test_cli_names_a_non_audio_file_and_counts_it_apart_from_a_missing_one(
    copy: Path, tiny: Path
) -> None:
    (text_id, text), (_, gone) = cheap_files(copy, 2)
    text.write_text("Premere il tasto cancelletto\n", encoding="utf-8")
    gone.unlink()
    res = run_cli(
        "corpus", "build", "--out", str(copy), "--size", "tiny", "--seed", str(TINY_SEED),
        "--protocol", TINY_PROTOCOL, "--no-audit", "-q", "-j", "1",
    )  # fmt: skip
    assert res.code == 0, res.err
    warnings = [line for line in res.out.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert f"1 damaged file(s) were rendered again: {text_id} (" in warnings[0]
    assert "(2 rendered, 1 of them damaged, 58 already there)" in res.out
    assert f"corpus digest {build_digest(tiny)}" in res.out
    assert_same_corpus(copy, tiny)


def test_a_build_killed_mid_write_resumes_to_the_same_digest(
    copy: Path, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first pass killed (SIGKILL: no ``finally`` runs) while writing its third file, one of
    whose finished files a power loss then cut short, resumes to the uninterrupted build."""
    missing = cheap_files(copy, 6)
    # What a pass killed before its end leaves: build.json and some audio, nothing describing it.
    for name in (MANIFEST, CHECKSUMS, FAILURES, "README.md"):
        (copy / name).unlink()
    shutil.rmtree(copy / PROTOCOL_DIR)
    for _, path in missing:
        path.unlink()

    written: list[Path] = []
    real_write_flac = rendering.write_flac

    def killed_in_third_write(path: Path, wave: np.ndarray, sr: int = 16000) -> None:
        if len(written) == 2:
            tmp = path.with_name(f".{path.name}.4242{TMP_SUFFIX}")
            sf.write(tmp, wave[: len(wave) // 2], sr, format="FLAC", subtype="PCM_16")
            raise KeyboardInterrupt  # the temporary stays, as after SIGKILL
        real_write_flac(path, wave, sr)
        written.append(path)

    monkeypatch.setattr(rendering, "write_flac", killed_in_third_write)
    with pytest.raises(KeyboardInterrupt):
        resume(copy)
    monkeypatch.undo()
    assert len(written) == 2 and len(list(copy.glob(f"LA/*/flac/.*{TMP_SUFFIX}"))) == 1
    assert not (copy / MANIFEST).exists() and not (copy / PROTOCOL_DIR).exists()
    truncate(written[0])
    cut_id = written[0].stem

    result = resume(copy)
    assert [u for u, _ in result.damaged] == [cut_id]
    assert (result.rendered, result.skipped) == (5, 55)  # 4 never written, 1 cut
    assert result.digest == build_digest(tiny)
    assert_same_corpus(copy, tiny)
