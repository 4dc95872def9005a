"""The scoring pool: its workers load their models at once, in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter, so that no registry has been discovered yet: the workers' loads are the
# registries' first lookups, made from three threads at once.
LOAD_IN_PARALLEL = """
import json
import numpy as np
from spoofscope.serving.pool import ScoringPool

pool = ScoringPool("default", 3)
wave = 0.05 * np.random.default_rng(1).standard_normal(32000).astype(np.float32)
scores = [pool.submit(lambda d: d.score(wave, 16000).score).result() for _ in range(6)]
print(json.dumps({"copies": len({id(d.model) for d in pool.detectors}), "scores": scores}))
pool.close()
"""


def test_workers_load_their_copies_at_once_in_a_fresh_interpreter() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOAD_IN_PARALLEL],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["copies"] == 3  # a model per worker, none shared
    assert max(out["scores"]) - min(out["scores"]) < 1e-5  # every copy scores alike
