"""Write examples/example_scores.tsv: a small, seeded score file in the project's TSV contract.

The scores are drawn, not produced by a model: bona fide N(2, 1) and three attacks of increasing
difficulty, so the metrics demo has a realistic spread (an easy, a medium and a hard attack).
Run: python examples/make_example_scores.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spoofscope.evaluation.scorefile import ScoreSet, write_scores

ATTACKS = {"A01": (-3.0, 1.0), "A02": (-0.5, 1.2), "A03": (1.2, 1.0)}


def main() -> None:
    rng = np.random.default_rng(7)
    out = ScoreSet()
    scores: list[float] = []
    for i in range(200):
        out.utt_id.append(f"EX_B_{i:04d}")
        out.speaker.append(f"SPK{i % 8:02d}")
        out.attack.append("-")
        out.key.append("bonafide")
        scores.append(round(float(rng.normal(2.0, 1.0)), 4))
    for attack, (mean, sd) in ATTACKS.items():
        for i in range(150):
            out.utt_id.append(f"EX_S_{attack}_{i:04d}")
            out.speaker.append(f"SPK{i % 8:02d}")
            out.attack.append(attack)
            out.key.append("spoof")
            scores.append(round(float(rng.normal(mean, sd)), 4))
    out.score = np.asarray(scores)
    write_scores(Path(__file__).with_name("example_scores.tsv"), out)


if __name__ == "__main__":
    main()
