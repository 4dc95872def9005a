"""Every recipe against its layout-faithful fixture: prepare, check (planted defects), partial trees."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spoofscope.corpora import CORPORA
from spoofscope.corpora.recipe import TOTAL
from spoofscope.errors import CorpusError
from tests.fixtures.corpora import (
    BUILDERS,
    DEFECTS,
    PROTOCOL_BUILDERS,
    build_asvspoof5,
    build_asvspoof2019,
    build_asvspoof2021,
    build_decro,
    build_fake_or_real,
    build_folder_csv,
    build_in_the_wild,
    build_localspoof,
    build_wavefake,
    write_audio,
)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_prepare_reads_fixture_exactly(tmp_path: Path, name: str) -> None:
    expected = BUILDERS[name](tmp_path)
    manifest = CORPORA.get(name)().prepare(expected.root)
    assert manifest.counts() == expected.counts
    assert sorted(u.utt_id for u in manifest) == sorted(expected.ids)
    for split, attacks in expected.attacks.items():
        assert manifest.filter(split=split).attacks() == attacks
        assert len(manifest.filter(split=split).speakers()) == expected.speakers[split]
    assert all(Path(u.path).is_file() and u.corpus == name for u in manifest)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_check_of_clean_fixture_finds_only_count_differences(tmp_path: Path, name: str) -> None:
    expected = BUILDERS[name](tmp_path)
    recipe = CORPORA.get(name)()
    assert recipe.check(expected.root, compare_counts=False).findings == []
    report = recipe.check(expected.root)
    wanted = {
        f"{split}/{key}"
        for (split, key), n in recipe.published_counts.items()
        if split in expected.counts
        and n
        != (sum(expected.counts[split].values()) if key == TOTAL else expected.counts[split][key])
    }
    assert {f.ids[0] for f in report.findings} == wanted
    assert all(f.kind == "count_mismatch" for f in report.findings)


@pytest.mark.parametrize("name", PROTOCOL_BUILDERS)
def test_check_finds_each_planted_defect_with_its_line(tmp_path: Path, name: str) -> None:
    expected = BUILDERS[name](tmp_path, defects=DEFECTS)
    recipe = CORPORA.get(name)()
    report = recipe.check(expected.root, compare_counts=False)
    kinds = {
        "malformed": "malformed_line",
        "duplicate": "duplicate_id",
        "unknown_label": "unknown_label",
    }
    for defect, kind in kinds.items():
        file, line = expected.defects[defect]
        (finding,) = report.of_kind(kind)
        assert finding.where[0].startswith(f"{file}:{line}")
    (missing,) = report.of_kind("missing_audio")
    assert missing.count == 1 and missing.where == (expected.defects["missing"][0],)
    assert {f.kind for f in report.findings} == set(kinds.values()) | {"missing_audio"}
    # prepare skips the bad lines and keeps the listed-but-missing utterance
    assert recipe.prepare(expected.root).counts() == expected.counts


@pytest.mark.parametrize(
    ("name", "build"), [("fake-or-real", build_fake_or_real), ("folder", None)]
)
def test_folder_recipes_report_audio_outside_label_folders(
    tmp_path: Path, name: str, build
) -> None:
    expected = (build or BUILDERS[name])(tmp_path, defects=("unknown_label",))
    report = CORPORA.get(name)().check(expected.root, compare_counts=False)
    (finding,) = report.findings
    assert finding.kind == "unknown_label" and finding.where == (
        expected.defects["unknown_label"][0],
    )


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_prepare_raises_corpus_error_on_empty_or_absent_root(tmp_path: Path, name: str) -> None:
    recipe = CORPORA.get(name)()
    with pytest.raises(CorpusError, match="does not exist"):
        recipe.prepare(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match=f"no {name} release found"):
        recipe.prepare(tmp_path / "empty")


def test_partial_release_reads_what_is_there_and_check_names_the_rest(tmp_path: Path) -> None:
    build_asvspoof2019(tmp_path, "LA", with_asv=False)
    base = tmp_path / "LA"
    (base / "ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt").unlink()
    shutil.rmtree(base / "ASVspoof2019_LA_dev")
    recipe = CORPORA.get("asvspoof2019-la")()
    manifest = recipe.prepare(tmp_path)
    assert manifest.splits() == ["dev", "eval"]
    report = recipe.check(tmp_path, compare_counts=False)
    absent = report.of_kind("absent_partition")
    messages = " | ".join(f.message for f in absent)
    assert "train protocol not found" in messages and "dev audio folder not found" in messages
    notes = " | ".join(report.notes)
    assert "dev ASV protocol not found" in notes and "eval ASV scores not found" in notes
    assert "ASV protocol" not in messages and "ASV scores" not in messages  # notes, not findings
    assert report.of_kind("missing_audio")[0].count == len(manifest.filter(split="dev"))


def test_extra_audio_is_reported(la2019, tmp_path: Path) -> None:
    root = tmp_path / "copy"
    shutil.copytree(la2019.root, root)
    stray = root / "LA/ASVspoof2019_LA_eval/flac/LA_E_9999999.flac"
    write_audio(stray, 3)
    (finding,) = CORPORA.get("asvspoof2019-la")().check(root, compare_counts=False).findings
    assert finding.kind == "extra_audio" and finding.ids == ("LA_E_9999999.flac",)


def test_asvspoof2019_companions_and_columns(la2019) -> None:
    recipe = CORPORA.get("asvspoof2019-la")()
    assert sorted(recipe.companions(la2019.root)) == [
        "dev ASV protocol", "dev ASV scores", "eval ASV protocol", "eval ASV scores",
    ]  # fmt: skip
    manifest = recipe.prepare(la2019.root)
    assert manifest.filter(split="eval").attacks() == {"A07": 1, "A16": 1, "A19": 1}
    assert manifest[0].path.endswith("LA/ASVspoof2019_LA_train/flac/LA_T_1000137.flac")


def test_asvspoof2019_pa_keeps_environment(tmp_path: Path) -> None:
    build_asvspoof2019(tmp_path, "PA")
    manifest = CORPORA.get("asvspoof2019-pa")().prepare(tmp_path)
    assert {u.extra["environment"] for u in manifest} == {"aaa", "abc", "cca"}


def test_asvspoof2021_df_metadata_and_subsets(tmp_path: Path) -> None:
    build_asvspoof2021(tmp_path, "DF")
    manifest = CORPORA.get("asvspoof2021-df")().prepare(tmp_path)
    assert manifest.splits() == ["eval", "progress"]
    vcc = manifest.filter(speaker="TEF2")[0]
    assert vcc.extra["source"] == "vcc2020" and vcc.extra["vocoder"] == (
        "neural_vocoder_nonautoregressive"
    )
    assert vcc.extra["vcc_task"] == "Task1" and vcc.attack == "Task1-team20"
    assert manifest.filter(key="bonafide")[0].extra["vocoder"] == "bonafide"


def test_asvspoof2021_without_keys_is_a_corpus_error(tmp_path: Path) -> None:
    build_asvspoof2021(tmp_path, "LA")
    shutil.rmtree(tmp_path / "keys")
    with pytest.raises(CorpusError, match=r"keys/LA/CM/trial_metadata\.txt"):
        CORPORA.get("asvspoof2021-la")().prepare(tmp_path)


def test_asvspoof5_eval_only_and_codec_fields(tmp_path: Path) -> None:
    build_asvspoof5(tmp_path, eval_only=True)
    recipe = CORPORA.get("asvspoof5")()
    manifest = recipe.prepare(tmp_path)
    assert manifest.splits() == ["eval"]
    coded = manifest.filter(where=lambda u: u.extra["codec"] != "-")
    assert [(u.extra["codec"], u.extra["codec_q"], u.attack) for u in coded] == [
        ("C05", "3", "A21")
    ]
    absent = recipe.check(tmp_path, compare_counts=False).of_kind("absent_partition")
    assert len(absent) == 2


def test_decro_language_and_prefixed_ids(tmp_path: Path) -> None:
    build_decro(tmp_path)
    manifest = CORPORA.get("decro")().prepare(tmp_path)
    ch = manifest.filter(split="ch_dev")
    assert {u.extra["language"] for u in ch} == {"zh"}
    assert all(u.utt_id.startswith("ch_") and not Path(u.path).name.startswith("ch_") for u in ch)


def test_in_the_wild_root_may_be_the_release_folder(tmp_path: Path) -> None:
    expected = build_in_the_wild(tmp_path)
    manifest = CORPORA.get("in-the-wild")().prepare(tmp_path / "release_in_the_wild")
    assert manifest.counts() == expected.counts
    assert "Barack Obama" in manifest.speakers()


def test_localspoof_csv_extra_and_shared_tree(tmp_path: Path) -> None:
    build_localspoof(tmp_path)
    manifest = CORPORA.get("localspoof")().prepare(tmp_path)
    spoof = manifest.filter(key="spoof")[0]
    assert spoof.extra["text"] == "Hello, world — a quoted, comma-bearing sentence."
    assert spoof.extra["settings"] == '{"length_scale": 1.0}'
    assert spoof.extra["synthesizer"] == "piper"
    assert len(CORPORA.get("asvspoof2019-la")().prepare(tmp_path)) == 15


def test_wavefake_without_jsut_reports_absent_partition(tmp_path: Path) -> None:
    build_wavefake(tmp_path, with_jsut=False)
    recipe = CORPORA.get("wavefake")()
    assert recipe.prepare(tmp_path).speakers() == ["LJ"]
    (finding,) = recipe.check(tmp_path, compare_counts=False).findings
    assert finding.kind == "absent_partition" and "jsut_ver1.1" in finding.message


def test_fake_or_real_unnested_versions(tmp_path: Path) -> None:
    expected = build_fake_or_real(tmp_path, nested=False)
    manifest = CORPORA.get("fake-or-real")().prepare(tmp_path)
    assert manifest.counts() == expected.counts
    assert {u.extra["version"] for u in manifest} == {
        "for-norm",
        "for-2sec",
        "for-rerec",
        "for-original",
    }


def test_folder_csv_mode(tmp_path: Path) -> None:
    expected = build_folder_csv(tmp_path, defects=DEFECTS)
    recipe = CORPORA.get("folder")()
    manifest = recipe.prepare(expected.root)
    assert manifest.counts() == expected.counts
    assert manifest.filter(key="spoof").attacks() == {"tts-x": 3}
    assert {f.kind for f in recipe.check(expected.root).findings} == {
        "malformed_line", "unknown_label", "duplicate_id", "missing_audio",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "inner"),
    [
        ("asvspoof2019-la", "LA"),  # the official AASIST configuration: database_path: ./LA/
        ("asvspoof2019-pa", "PA"),
        ("asvspoof2021-la", "ASVspoof2021_LA_eval"),
        ("asvspoof2021-df", "keys"),
    ],
)
def test_root_may_be_the_release_folder_or_the_folder_holding_it(
    tmp_path: Path, name: str, inner: str
) -> None:
    BUILDERS[name](tmp_path)
    outer = CORPORA.get(name)().prepare(tmp_path)
    within = CORPORA.get(name)().prepare(tmp_path / inner)
    assert len(within) == len(outer) > 0
    assert [u.path for u in within] == [u.path for u in outer]
