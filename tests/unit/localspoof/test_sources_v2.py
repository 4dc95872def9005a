"""Protocol-v2 bona fide sources: raw PCM, the new packages' transcripts, the split proposal,
and a few real recordings of each new package rendered through the build's channel."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from spoofscope.errors import AudioError
from spoofscope.localspoof import package_texts, sources
from spoofscope.localspoof.plan import Job
from spoofscope.localspoof.protocol_v2 import V2_VOICES
from spoofscope.localspoof.rawaudio import RawFormat, raw_format, raw_frames, read_raw
from spoofscope.localspoof.rendering import render
from spoofscope.localspoof.sources import VOICES, discover

KTUBERLING_ES = """<language code="es">
    <sound name="eye" file="es/ojo.wav" />
    <sound name="sunglasses" file="es/gafasdesol.wav" />
</language>
"""
KTUBERLING_DE = """<language code="de">
    <sound name="ball" file="de/ball.ogg" />
    <sound name="egypt_camel" file="de/egypt_camel.ogg" />
    <sound name="pizzeria_mushroom" file="de/pizza_pilz.ogg" />
</language>
"""
KTUBERLING_EN = '<language code="en">\n <sound name="egypt_bridge" file="en/egypt_bridge.ogg"/>\n'


def test_drascula_voices_drop_the_32_bytes_the_engine_skips_and_centre_unsigned_pcm(
    tmp_path: Path,
) -> None:
    fmt = RawFormat(str(tmp_path), ".ALS", "u1", 11025, trim_bytes=32)
    clip = tmp_path / "en" / "BJ5.ALS"
    clip.parent.mkdir()
    body = np.array([128, 255, 0, 192], dtype=np.uint8)
    clip.write_bytes(b"\x01" * 32 + body.tobytes() + b"\x02" * 32)
    assert raw_format(str(clip), (fmt,)) == fmt
    assert raw_format(str(tmp_path / "en" / "BJ5.als"), (fmt,)) is None  # suffix is exact
    assert raw_frames(str(clip), fmt) == 4
    wave, sr = read_raw(str(clip), fmt)
    assert sr == 11025 and wave.dtype == np.float32
    np.testing.assert_allclose(wave, [0.0, 127 / 128, -1.0, 0.5])


def test_sixteen_bit_raw_is_little_endian_and_an_empty_file_is_refused(tmp_path: Path) -> None:
    fmt = RawFormat(str(tmp_path), ".raw", "<i2", 8000)
    clip = tmp_path / "hts1.raw"
    clip.write_bytes(np.array([16384, -32768], dtype="<i2").tobytes())
    wave, sr = read_raw(str(clip), fmt)
    np.testing.assert_allclose(wave, [0.5, -1.0])
    assert sr == 8000
    (tmp_path / "empty.raw").write_bytes(b"")
    with pytest.raises(AudioError, match="no samples"):
        read_raw(str(tmp_path / "empty.raw"), fmt)


@pytest.fixture
def ktuberling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "sounds"
    root.mkdir()
    for lang, theme in (("es", KTUBERLING_ES), ("de", KTUBERLING_DE), ("en", KTUBERLING_EN)):
        (root / f"{lang}.soundtheme").write_text(theme, encoding="utf-8")
    monkeypatch.setattr(package_texts, "KTUBERLING_ROOT", root)
    package_texts.ktuberling_texts.cache_clear()
    yield root
    package_texts.ktuberling_texts.cache_clear()


def test_ktuberling_text_is_the_file_name_where_it_is_not_the_english_word(
    ktuberling: Path,
) -> None:
    assert package_texts.ktuberling_texts("es") == {
        "es/ojo.wav": "ojo",
        "es/gafasdesol.wav": "gafasdesol",
    }
    # German clips named after the English word say a German one nobody wrote down
    assert package_texts.ktuberling_texts("de") == {"de/pizza_pilz.ogg": "pilz"}
    assert package_texts.ktuberling_texts("en") == {"en/egypt_bridge.ogg": "bridge"}
    assert package_texts.ktuberling_texts("xx") == {}


def test_pocketsphinx_transcripts_lose_their_sentence_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cards").mkdir()
    (tmp_path / "cards" / "cards.transcription").write_text(
        "<s> ten of clubs  </s> (001)\n<s>  </s> (002)\nfive five (003)\n"
    )
    monkeypatch.setattr(package_texts, "POCKETSPHINX_ROOT", tmp_path)
    package_texts.pocketsphinx_texts.cache_clear()
    try:
        assert package_texts.pocketsphinx_texts() == {"001": "ten of clubs", "003": "five five"}
    finally:
        package_texts.pocketsphinx_texts.cache_clear()


def _packages(split: str) -> set[str]:
    return {c.package for v in V2_VOICES if v.split == split for c in v.collections}


def test_v2_splits_are_disjoint_by_voice_and_package_with_both_genders() -> None:
    speakers = [v.speaker for v in V2_VOICES]
    assert len(speakers) == len(set(speakers)) >= 40
    for split in sources.SPLITS:
        assert {v.gender for v in V2_VOICES if v.split == split} == {"female", "male"}
    train, dev, evl = _packages("train"), _packages("dev"), _packages("eval")
    assert not (train & dev) and not (train & evl) and not (dev & evl)
    # v1's voices keep their splits, so a v1 model's eval speakers stay unseen under v2
    v1 = {v.speaker: v.split for v in VOICES}
    assert all(v.split == v1[v.speaker] for v in V2_VOICES if v.speaker in v1)
    languages = {c.language for v in V2_VOICES for c in v.collections}
    assert len(languages) >= 10
    assert {"codec2-examples", "pocketsphinx-testdata", "gcin-voice"} <= evl


#: One voice of each new package: the recordings CI renders.
NEW_VOICES = ("LS_DREN_BJ", "LS_DRES_IGOR", "LS_KT_ES8K", "LS_C2_VK5QI", "LS_PS_CARDS", "LS_GCIN_5")


@pytest.mark.parametrize("speaker", NEW_VOICES)
def test_real_recordings_of_each_new_package_render_through_the_channel(speaker: str) -> None:
    voice = next(v for v in V2_VOICES if v.speaker == speaker)
    files = discover((voice,))
    assert files, f"{speaker} found no recordings"
    assert {f.package for f in files} == {c.package for c in voice.collections}
    for f in files[:2]:
        job = Job(
            f"LS_X_{speaker}",
            f.split,
            "bonafide",
            f.speaker,
            "-",
            f.language,
            f.gender,
            f.package,
            f.path,
            "human",
            json.dumps({}),
            f.text,
            7,
        )
        wave = render(job)
        assert wave.dtype == np.float32 and wave.size > 0.2 * 16000
        assert 0.001 < float(np.sqrt(np.mean(wave**2))) < 0.5  # speech, levelled, not clipped


def test_transcripts_of_real_packages_come_where_the_package_has_them() -> None:
    by_speaker = {v.speaker: v for v in V2_VOICES}
    cards = discover((by_speaker["LS_PS_CARDS"],))
    assert {Path(f.path).name: f.text for f in cards}["001.wav"] == "ten of clubs"
    gcin = discover((by_speaker["LS_GCIN_3"],))
    assert all(f.text == Path(f.path).parent.name for f in gcin)
    hacker = discover((by_speaker["LS_DREN_HACKER"],))
    assert all(Path(f.path).name[0].isdigit() for f in hacker) and len(hacker) > 400
