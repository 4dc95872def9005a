"""Per-split statistics and cached header durations."""

from __future__ import annotations

import json
from pathlib import Path

from spoofscope.corpora import CORPORA
from spoofscope.corpora.stats import add_durations, durations, split_stats


def test_split_stats_of_la_fixture(la2019) -> None:
    manifest = CORPORA.get("asvspoof2019-la")().prepare(la2019.root)
    stats = split_stats(manifest)["splits"]
    assert list(stats) == ["train", "dev", "eval"]
    for split, entry in stats.items():
        assert entry["bonafide"] == la2019.counts[split]["bonafide"]
        assert entry["spoof"] == la2019.counts[split]["spoof"]
        assert entry["speakers"] == la2019.speakers[split]
        assert entry["attacks"] == la2019.attacks[split]


def test_durations_are_read_cached_and_refreshed(la2019, tmp_path: Path) -> None:
    manifest = CORPORA.get("asvspoof2019-la")().prepare(la2019.root).filter(split="train")
    paths = [u.path for u in manifest]
    cache = tmp_path / "cache" / "durations.json"
    progress: list[int] = []
    seconds, failed = durations(paths, workers=2, cache=cache, on_done=progress.append)
    assert failed == [] and sum(progress) == len(paths)
    # fixture durations are 0.3 + 0.1 * (index % 5) seconds
    assert sorted(round(s, 3) for s in seconds.values()) == [0.3, 0.4, 0.5, 0.6, 0.7]
    stored = json.loads(cache.read_text())
    stored[paths[0]][1] = 99.0  # a cache hit must be served from the file, not re-read
    cache.write_text(json.dumps(stored))
    again, _ = durations(paths, cache=cache)
    assert again[paths[0]] == 99.0
    stats = split_stats(manifest)
    add_durations(stats, manifest, again)
    rest = sum(v for p, v in seconds.items() if p != paths[0])
    assert stats["splits"]["train"]["duration_total_s"] == round(99.0 + rest, 3)
    assert stats["splits"]["train"]["duration_mean_s"] == round((99.0 + rest) / len(paths), 3)


def test_unreadable_and_vanished_files_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.flac"
    bad.write_text("not audio")
    seconds, failed = durations([str(bad), str(tmp_path / "gone.wav")], cache=tmp_path / "c.json")
    assert seconds == {} and sorted(failed) == sorted([str(bad), str(tmp_path / "gone.wav")])
