"""Bona fide sources: transcript parsing, dpkg file lists, the missing-package message."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from spoofscope.errors import CorpusError
from spoofscope.localspoof import sources
from spoofscope.localspoof.sources import EXTRA_VOICES, VOICES, Collection, Voice

DIALOGS_CS = """
dialogId("let-m-divna", "font_small", "What kind of strange ship is that?")
dialogStr("Co je to za divnou lo\u010f?")

dialogId("let-v-vrak0", "font_big", "This is the wreck.")
dialogStr("To je vrak \\"civiln\u00edho\\" letadla.")
"""


def _clips(paths: list[Path], seconds: float = 0.5) -> None:
    """Write each path as a quiet tone (format from its suffix), creating its folder."""
    tone = 0.1 * np.sin(2 * np.pi * 180 * np.arange(int(seconds * 8000)) / 8000)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, tone, 8000)


@pytest.fixture
def fake_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A dpkg database, doc folder and Fillets tree laid out as Debian installs them."""
    info, doc, games = tmp_path / "dpkg", tmp_path / "doc", tmp_path / "fillets"
    (games / "script" / "airplane").mkdir(parents=True)
    (games / "script" / "airplane" / "dialogs_cs.lua").write_text(DIALOGS_CS, encoding="utf-8")
    sound = games / "sound" / "airplane" / "cs"
    info.mkdir()
    files = [sound / "let-m-divna.ogg", sound / "let-v-vrak0.ogg", sound / "bar-x-vypr.ogg"]
    _clips(files)
    (info / "fillets-ng-data-cs.list").write_text("\n".join(str(f) for f in files) + "\n")
    (info / "fillets-ng-data.list").write_text(str(games / "script") + "\n")
    ast = tmp_path / "sounds" / "en_US_f_Allison"
    ast_files = [
        ast / "vm-press.wav",
        ast / "beep.wav",
        ast / "digits" / "1.wav",
        ast / "silence" / "1.wav",
    ]
    _clips(ast_files)
    _clips([ast / "empty.wav"], seconds=0.0)  # the packages hold a few zero-length clips
    ast_files.append(ast / "empty.wav")
    (info / "asterisk-core-sounds-en-wav.list").write_text("\n".join(map(str, ast_files)) + "\n")
    (doc / "asterisk-core-sounds-en").mkdir(parents=True)
    texts = "; Core Asterisk Sounds in English\n\nvm-press: Press.\nbeep: [this is a simple beep tone]\ndigits/1: one\n"
    (doc / "asterisk-core-sounds-en" / "core-sounds-en.txt.gz").write_bytes(
        gzip.compress(texts.encode())
    )
    (doc / "asterisk-core-sounds-en-wav").mkdir()
    (doc / "asterisk-core-sounds-en-wav" / "copyright").write_text(
        "Format: dep5\n\nFiles: *\nLicense: CC-BY-SA-3.0\n\nFiles: debian/*\nLicense: GPL-2+\n"
    )
    # KLettres: sounds.xml names each file by the path below the data root, across languages.
    kl = tmp_path / "klettres"
    kl_files = [kl / "es" / "alpha" / "a.ogg", kl / "es" / "syllab" / "ba.ogg", kl / "es" / "x.ogg"]
    _clips(kl_files)
    (kl / "es" / "sounds.xml").write_text(
        '<klettres>\n <sound name="A" file="es/alpha/a.ogg" />\n'
        '\t<sound name="BA" file="es/syllab/ba.ogg"/>\n</klettres>\n',
        encoding="utf-8",
    )
    (info / "klettres-data.list").write_text("\n".join(map(str, kl_files)) + "\n")
    monkeypatch.setattr(sources, "KLETTRES_ROOT", kl)
    monkeypatch.setattr(sources, "DPKG_INFO", info)
    monkeypatch.setattr(sources, "DOC_ROOT", doc)
    monkeypatch.setattr(sources, "FILLETS_ROOT", games)
    cached = (
        sources.asterisk_texts,
        sources.fillets_texts,
        sources.non_speech_prompts,
        sources.klettres_texts,
    )
    for fn in cached:
        fn.cache_clear()
    yield tmp_path
    for fn in cached:
        fn.cache_clear()


def test_fillets_lines_are_read_in_the_package_language(fake_system: Path) -> None:
    texts = sources.fillets_texts("cs")
    assert texts == {
        "let-m-divna": "Co je to za divnou loď?",
        "let-v-vrak0": 'To je vrak "civilního" letadla.',
    }


def test_discover_takes_one_character_with_its_line(fake_system: Path) -> None:
    big_fish = Voice("LS_X", "big fish", "male", "train", (sources._fillets("cs", "v"),))
    files = sources.discover((big_fish,))
    assert [(Path(f.path).name, f.text, f.gender) for f in files] == [
        ("let-v-vrak0.ogg", 'To je vrak "civilního" letadla.', "male")
    ]


def test_asterisk_skips_tones_and_silence_and_keeps_subfolders(fake_system: Path) -> None:
    root = fake_system / "sounds" / "en_US_f_Allison"
    voice = Voice(
        "LS_A",
        "a",
        "female",
        "train",
        (Collection("asterisk-core-sounds-en-wav", "en", ".wav", str(root), "asterisk:en"),),
    )
    got = {Path(f.path).relative_to(root).as_posix(): f.text for f in sources.discover((voice,))}
    assert got == {"vm-press.wav": "Press.", "digits/1.wav": "one"}


def test_klettres_files_carry_the_lower_cased_name_sounds_xml_gives(fake_system: Path) -> None:
    root = fake_system / "klettres" / "es"
    voice = Voice("LS_K", "k", "female", "train", (sources._klettres(str(root), "es"),))
    got = {Path(f.path).relative_to(root).as_posix(): f.text for f in sources.discover((voice,))}
    # a syllable is read, not spelled; a file sounds.xml does not name keeps an empty text
    assert got == {"alpha/a.ogg": "a", "syllab/ba.ogg": "ba", "x.ogg": ""}


def test_missing_package_is_named_with_the_install_command(fake_system: Path) -> None:
    with pytest.raises(CorpusError) as info:
        sources.discover(VOICES)
    message = str(info.value)
    assert "asterisk-core-sounds-ru-wav" in message
    assert "apt-get install" in message
    assert "asterisk-core-sounds-en-wav" not in message.split("missing")[1]  # that one is there


def test_licence_lists_every_dep5_licence(fake_system: Path) -> None:
    assert sources.licence("asterisk-core-sounds-en-wav") == "CC-BY-SA-3.0, GPL-2+"


def test_voices_are_disjoint_and_each_split_has_both_genders() -> None:
    speakers = [v.speaker for v in VOICES]
    assert len(speakers) == len(set(speakers))
    for split in sources.SPLITS:
        assert {v.gender for v in VOICES if v.split == split} == {"female", "male"}
    # Allison reads both the English and the Mexican Spanish core sounds: one voice, one split.
    allison = [v for v in VOICES if any("Allison" in c.root for c in v.collections)]
    assert len(allison) == 1 and {c.language for c in allison[0].collections} == {"en", "es"}


def test_extra_voices_are_new_training_voices_of_both_genders() -> None:
    extra = [v.speaker for v in EXTRA_VOICES]
    assert len(extra) == len(set(extra)) == 20 and not set(extra) & {v.speaker for v in VOICES}
    assert {v.split for v in EXTRA_VOICES} == {"train"}
    assert {v.gender for v in EXTRA_VOICES} == {"female", "male"}
    assert (
        sources.voice_of("LS_KL_FR").gender == "male"
        and sources.voice_of("LS_CARLO").split == "dev"
    )
