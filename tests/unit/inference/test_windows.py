"""Fitting recordings of any length to a model's fixed crop."""

from __future__ import annotations

import numpy as np
import pytest

from spoofscope.inference.windows import repeat_pad, windows


def test_repeat_pad_tiles_like_the_official_aasist_loader():
    wave = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(repeat_pad(wave, 12), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1])
    np.testing.assert_array_equal(repeat_pad(np.arange(20.0), 12), np.arange(12.0))


@pytest.mark.parametrize("n", [1, 7, 100, 101, 150, 333])
def test_windows_cover_every_sample_with_full_length(n):
    wave = np.arange(n, dtype=np.float32)
    out = windows(wave, 100)
    assert out.shape[1] == 100
    if n <= 100:
        assert out.shape[0] == 1 and out[0, 0] == 0
    else:
        covered = np.zeros(n, bool)
        for row in out:
            covered[row.astype(int)] = True
        assert covered.all()
        assert out[-1, -1] == n - 1
        assert np.all(np.diff(out[:, 0]) <= 100)  # end to end, the last end-aligned


def test_windows_reject_multichannel():
    with pytest.raises(ValueError, match="mono"):
        windows(np.zeros((2, 10)), 4)
