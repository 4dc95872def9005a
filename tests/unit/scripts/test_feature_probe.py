"""The front-end probe's pieces: a recording's pooled vector and the dev-picked regression."""

import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))

from feature_probe import CROP, CS, eer, fit, pooled
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from spoofscope.features import FRONTENDS
from spoofscope.inference.windows import windows


def test_a_recording_is_the_mean_of_its_windows_pooled_stats(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    t = np.arange(5 * 16000) / 16000
    wave = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
            + 0.01 * rng.normal(size=t.size)).astype(np.float32)  # fmt: skip
    short = wave[:8000]  # half a second: one repeat-padded window
    for name, w in (("long", wave), ("short", short)):
        sf.write(tmp_path / f"{name}.wav", w, 16000, subtype="FLOAT")
    fe = FRONTENDS.get("lfcc")(n_filters=40, n_lfcc=30, fmax=4000.0)
    got = pooled(fe, [str(tmp_path / "long.wav"), str(tmp_path / "short.wav")])
    assert got.shape == (2, 1, 180)
    for row, w in zip(got, (wave, short), strict=True):
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
            f = fe(torch.from_numpy(windows(w, CROP))).float()
        want = torch.cat([f.mean(-1), f.std(-1)], dim=-1).mean(0).numpy()
        np.testing.assert_allclose(row, want, rtol=1e-5, atol=1e-5)
    assert not np.allclose(got[0], got[1])  # 3 windows of the long file, not its first alone


def test_fit_keeps_the_c_with_the_lowest_dev_eer() -> None:
    rng = np.random.default_rng(1)

    def split(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = np.repeat([0, 1], n)
        x = rng.normal(size=(2 * n, 20))
        x[:, 0] += 2.5 * y  # one informative dimension among noise
        return x, y

    (xtr, ytr), (xdev, ydev) = split(200), split(200)
    clf, c, dev = fit(xtr, ytr, xdev, ydev)
    assert dev == eer(clf.decision_function(xdev), ydev)
    each = {}
    for other in CS:
        model = make_pipeline(StandardScaler(), LogisticRegression(C=other, max_iter=2000))
        each[other] = eer(model.fit(xtr, ytr).decision_function(xdev), ydev)
    assert dev == min(each.values()) and each[c] == dev
    assert dev < 0.15
    assert (
        clf.decision_function(xdev[ydev == 1]).mean()
        > clf.decision_function(xdev[ydev == 0]).mean()
    )
