"""The trainer on a tiny learnable corpus: determinism, resume, early stopping, freezing, outputs."""

from __future__ import annotations

import hashlib
import json
import shutil
import time

import numpy as np
import pytest
import torch

from spoofscope.errors import CheckpointError, ConfigError, UnknownNameError
from spoofscope.evaluation.scorefile import read_scores
from spoofscope.localspoof.digest import build_digest, write_checksums
from spoofscope.models.base import load_checkpoint, read_card
from spoofscope.training.build import class_weights
from spoofscope.training.data import WaitClock, load_splits
from spoofscope.training.run_files import read_metrics
from spoofscope.training.trainer import Trainer
from tests.unit.training.conftest import recipe


def _train(root, out, *overrides, resume=False):
    return Trainer(recipe(root, *overrides), out, progress=False).fit(resume=resume)


def _weights(run_dir, which="last"):
    model = load_checkpoint(run_dir / which)
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_run_directory_holds_config_log_checkpoints_and_dev_scores(tiny_la, tmp_path):
    result = _train(tiny_la, tmp_path / "run", "train.epochs=3")
    run = tmp_path / "run"
    for name in ("config.yaml", "metrics.jsonl", "dev_scores.tsv", "summary.json",
                 "training_curves.png", "best/card.json", "best/model.safetensors",
                 "last/trainer_state.json", "last/trainer_state.safetensors"):  # fmt: skip
        assert (run / name).is_file(), name
    epochs = [r for r in read_metrics(run / "metrics.jsonl") if r["kind"] == "epoch"]
    assert [r["epoch"] for r in epochs] == [1, 2, 3]
    for r in epochs:  # where an epoch's time went
        assert 0 <= r["data_wait_seconds"] <= r["train_seconds"] and r["dev_seconds"] > 0
    assert result.steps == 3 * 4  # 32 train utterances / batch 8
    card = read_card(run / "best")
    assert card.threshold == pytest.approx(epochs[result.best_epoch - 1]["dev_threshold"])
    assert card.calibration.kind == "platt" and card.calibration.a > 0
    assert card.input.crop_samples == 4000
    assert card.training["n_train"] == 32 and card.training["attacks"] is None  # every attack
    assert card.training["corpus_digest"] is None  # the tree has no checksums.tsv
    dev = read_scores(run / "dev_scores.tsv")
    assert len(dev) == 16 and set(dev.key) == {"bonafide", "spoof"}


def test_the_card_records_the_digest_of_the_build_it_learnt_from(tiny_la, tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(tiny_la, root)
    # a LocalSpoof build writes checksums.tsv; any two different sums give different digests
    write_checksums(root, {"LA_T_0000001": "a" * 64, "LA_D_0000001": "b" * 64})
    _train(root, tmp_path / "run", "train.epochs=1")
    digest = read_card(tmp_path / "run" / "best").training["corpus_digest"]
    assert digest == build_digest(root) and len(digest) == 64
    write_checksums(root, {"LA_T_0000001": "a" * 64, "LA_D_0000001": "c" * 64})
    assert build_digest(root) != digest


def test_wait_clock_sums_the_time_spent_waiting_for_items():
    def slow_items():
        for item in range(3):
            time.sleep(0.02)
            yield item

    clock = WaitClock(slow_items())
    seen = []
    started = time.perf_counter()
    for item in clock:
        time.sleep(0.05)  # work on the item: not waiting
        seen.append(item)
    elapsed = time.perf_counter() - started
    assert seen == [0, 1, 2]
    # sleeps only last at least as long as asked: 3 x 0.02 s waited, 3 x 0.05 s not
    assert 0.06 <= clock.seconds <= elapsed - 0.15


def _dev_windows(trainer):
    """Dev recordings, their labels, and the logits and labels of every window of each: a dev
    pass recomputed one recording at a time, as the Detector scores."""
    from spoofscope.inference.windows import windows

    length = trainer.cfg.data.crop_samples
    waves = [trainer.dev_data[i][0].numpy() for i in range(len(trainer.dev_data))]
    labels = np.array([trainer.dev_data[i][1] for i in range(len(trainer.dev_data))])
    trainer.model.eval()
    with torch.no_grad():
        outs = [trainer.model(torch.from_numpy(windows(w, length))) for w in waves]
    # every window of a recording carries its label, as a training crop does
    targets = torch.cat([torch.full((len(o),), int(y)) for o, y in zip(outs, labels, strict=True)])
    return waves, labels, torch.cat(outs), targets


def test_dev_loss_from_the_scoring_pass_equals_a_separate_loss_pass(tiny_la, tmp_path):
    from spoofscope.inference.windows import window_scores

    trainer = Trainer(recipe(tiny_la, "train.epochs=1"), tmp_path / "run", progress=False)
    trainer.fit()
    dev = trainer._dev()
    waves, labels, logits, targets = _dev_windows(trainer)
    scores = [window_scores(trainer.model, w, trainer.cfg.data.crop_samples).mean() for w in waves]
    with torch.no_grad():
        separate = float(trainer.loss(logits, targets))
    assert dev["dev_loss"] == pytest.approx(separate, rel=1e-5)
    assert np.allclose(trainer.dev_scores, scores, atol=1e-5)
    assert np.array_equal(trainer.dev_labels, labels)


def test_the_model_learns_the_tiny_corpus(tiny_la, tmp_path):
    result = _train(tiny_la, tmp_path / "run", "train.epochs=6")
    assert result.dev_eer is not None and result.dev_eer <= 0.25


def test_same_seed_same_scores_and_another_seed_differs(tiny_la, tmp_path):
    _train(tiny_la, tmp_path / "a")
    _train(tiny_la, tmp_path / "b")
    _train(tiny_la, tmp_path / "c", "train.seed=8")
    a, b, c = (read_scores(tmp_path / x / "dev_scores.tsv").score for x in "abc")
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


SPECAUGMENT = "feature_augment=[{name: specaugment, max_freq_width: 20, max_time_width: 3, p: 0.5}]"
ADVERSARY = "loss={name: speaker-adversarial, params: {tap: head, hidden: 8}}"
FAST_ADVERSARY = "loss={name: speaker-adversarial, params: {tap: head, hidden: 8, lr_scale: 10}}"


@pytest.mark.parametrize(
    "extra",
    [
        ("data.sampler={name: class-balanced}",),
        ("data.sampler={name: class-balanced, pairs: source}",),
        (SPECAUGMENT,),  # masks drawn from the global generator, which checkpoints keep
        (ADVERSARY,),  # the adversary's weights travel with the loss state
        (FAST_ADVERSARY,),  # and its optimiser group with the optimiser's
    ],
)
def test_resume_continues_bit_for_bit(tiny_la, tmp_path, extra):
    extra = ("schedule.name=cosine", *extra)
    _train(tiny_la, tmp_path / "straight", *extra)
    _train(tiny_la, tmp_path / "split", "train.max_steps=4", *extra)  # one epoch of 4 steps
    assert json.loads((tmp_path / "split/last/trainer_state.json").read_text())
    _train(tiny_la, tmp_path / "split", *extra, resume=True)
    straight, split = _weights(tmp_path / "straight"), _weights(tmp_path / "split")
    for name in straight:
        torch.testing.assert_close(split[name], straight[name], rtol=0, atol=0)
    a = read_scores(tmp_path / "straight/dev_scores.tsv").score
    b = read_scores(tmp_path / "split/dev_scores.tsv").score
    np.testing.assert_array_equal(a, b)


def test_feature_augment_masks_the_front_end_output_in_training_only(tiny_la, tmp_path):
    trainer = Trainer(
        recipe(tiny_la, SPECAUGMENT, "train.epochs=1"), tmp_path / "a", progress=False
    )
    wave = torch.randn(8, 4000)
    model = trainer.model.train()
    masked = model.frontend(wave)
    clean = model.eval().frontend(wave)
    assert torch.equal(model.frontend(wave), clean)  # eval: untouched, every time
    changed = (masked != clean).flatten(1).any(dim=1)
    assert 0 < int(changed.sum()) < 8  # p 0.5: some examples masked, some not
    trainer.fit()
    _train(tiny_la, tmp_path / "b", "train.epochs=1")
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert any(not torch.equal(a[k], b[k]) for k in a)  # the masks reached the training steps


def test_feature_augment_is_refused_before_the_corpus_is_read(tmp_path):
    with pytest.raises(ConfigError, match="reads the waveform itself"):
        Trainer(recipe(tmp_path / "absent", SPECAUGMENT, "model.name=rawnet2"), tmp_path / "r")
    with pytest.raises(UnknownNameError, match="mixup"):
        Trainer(recipe(tmp_path / "absent", "feature_augment=[{name: mixup}]"), tmp_path / "r")
    bad = "feature_augment=[{name: specaugment, width: 3}]"
    with pytest.raises(ConfigError, match=r"feature_augment\[0\]\.width.*max_freq_width"):
        Trainer(recipe(tmp_path / "absent", bad), tmp_path / "r")


def test_model_init_starts_from_a_checkpoints_weights_and_the_card_says_so(tiny_la, tmp_path):
    _train(tiny_la, tmp_path / "first", "train.epochs=1")
    start = _weights(tmp_path / "first", "best")
    init = f"model.init={tmp_path / 'first' / 'best'}"
    tuned = Trainer(recipe(tiny_la, init, "train.epochs=1"), tmp_path / "tuned", progress=False)
    for name, value in tuned.model.state_dict().items():
        assert torch.equal(value, start[name]), name
    fresh = Trainer(recipe(tiny_la, "train.epochs=1"), tmp_path / "fresh", progress=False)
    assert not torch.equal(fresh.model.state_dict()["head.weight"], start["head.weight"])
    tuned.fit()
    record = read_card(tmp_path / "tuned" / "best").training["init"]
    assert record["from"] == str(tmp_path / "first" / "best")
    assert len(record["weights_sha256"]) == 64
    weights = (tmp_path / "first" / "best" / "model.safetensors").read_bytes()
    assert record["weights_sha256"] == hashlib.sha256(weights).hexdigest()
    assert read_card(tmp_path / "first" / "best").training["init"] is None
    # other crops are fine-tuning; other layers are another model
    Trainer(recipe(tiny_la, init, "data.crop_samples=2000"), tmp_path / "c")
    with pytest.raises(ConfigError, match=r"model\.init.*other model\.params: hidden"):
        Trainer(recipe(tiny_la, init, "model.params={hidden: 8}"), tmp_path / "h")


def test_model_init_that_is_neither_a_directory_nor_a_pretrained_name_fails_at_once(tiny_la):
    from spoofscope.training.config import check_names

    cfg = recipe(tiny_la, "model.name=lcnn", "model.init=runs/no-such-run/best")
    with pytest.raises(ConfigError, match=r"model\.init.*no-such-run"):
        check_names(cfg)
    check_names(recipe(tiny_la, "model.name=aasist", "model.init=aasist-19la"))


def test_resume_of_a_finished_run_or_an_empty_dir_fails(tiny_la, tmp_path):
    _train(tiny_la, tmp_path / "done", "train.epochs=1")
    with pytest.raises(CheckpointError, match="already finished"):
        _train(tiny_la, tmp_path / "done", "train.epochs=1", resume=True)
    with pytest.raises(CheckpointError, match="not a resumable"):
        _train(tiny_la, tmp_path / "empty", resume=True)


def test_early_stopping_ends_training_after_patience(tiny_la, tmp_path):
    # lr so small the dev EER never improves after epoch 1: stop after 1 + patience epochs.
    result = _train(tiny_la, tmp_path / "run", "train.epochs=20", "optim.lr=1e-12",
                    "train.early_stopping.patience=2", "train.early_stopping.metric=dev_loss")  # fmt: skip
    assert result.epochs <= 4
    assert result.best_epoch <= 2


def test_two_phase_freezing_trains_the_head_then_everything(tiny_la, tmp_path):
    head_only = Trainer(
        recipe(tiny_la, "train.epochs=1", "train.phases=[{epochs: 1, trainable: head}]"),
        tmp_path / "head", progress=False,
    )  # fmt: skip
    before = {k: v.clone() for k, v in head_only.model.state_dict().items()}
    head_only.fit()
    after = head_only.model.state_dict()
    torch.testing.assert_close(after["body.weight"], before["body.weight"], rtol=0, atol=0)
    assert not torch.equal(after["head.weight"], before["head.weight"])
    two = Trainer(
        recipe(tiny_la, "train.phases=[{epochs: 1, trainable: head}, {epochs: 1, lr: 0.001}]"),
        tmp_path / "two", progress=False,
    )  # fmt: skip
    two.fit()
    assert not torch.equal(two.model.state_dict()["body.weight"], before["body.weight"])
    epochs = [r for r in read_metrics(tmp_path / "two/metrics.jsonl") if r["kind"] == "epoch"]
    assert [r["phase"] for r in epochs] == [0, 1]
    assert epochs[1]["lr"] == pytest.approx(0.001)


def test_auto_class_weights_are_inverse_frequency(tiny_la, tmp_path):
    trainer = Trainer(recipe(tiny_la, "loss.auto_weight=true"), tmp_path / "run", progress=False)
    n_bona = sum(trainer.train_set.labels)
    assert n_bona == 16
    torch.testing.assert_close(trainer.loss.weight, torch.tensor([0.5, 0.5]))
    from spoofscope.corpora.manifest import Manifest

    skewed = Manifest(list(trainer.train_set) + [u for u in trainer.train_set if u.label == 0] * 2)
    w_spoof, w_bona = class_weights(skewed)
    assert w_bona / w_spoof == pytest.approx(3.0)


def test_triplet_loss_with_pk_batches_trains_embeddings(tiny_la, tmp_path):
    result = _train(
        tiny_la, tmp_path / "run", "loss.name=triplet-batch-hard", "loss.params={margin: 1.0}",
        "data.sampler={name: pk, P: 2, K: 2}", "train.epochs=1",
    )  # fmt: skip
    assert result.steps >= 1
    rec = [r for r in read_metrics(tmp_path / "run/metrics.jsonl") if r["kind"] == "epoch"]
    assert np.isfinite(rec[0]["train_loss"])


def test_unknown_loss_parameter_fails_with_the_key(tiny_la, tmp_path):
    with pytest.raises(ConfigError, match=r"loss\.params"):
        Trainer(recipe(tiny_la, "loss.params={gamma: 2}"), tmp_path / "run", progress=False)


def test_data_attacks_keeps_bona_fide_and_the_listed_attacks(tiny_la):
    train, dev = load_splits(recipe(tiny_la, "data.attacks=[A02]"))
    for part in (train, dev):
        assert {u.attack for u in part} == {"-", "A02"}
        assert {u.key for u in part} == {"bonafide", "spoof"}
    full_train, _ = load_splits(recipe(tiny_la))
    assert len(train.filter(key="bonafide")) == len(full_train.filter(key="bonafide"))


def test_data_attacks_naming_an_absent_attack_fails_with_what_the_split_has(tiny_la):
    with pytest.raises(ConfigError, match=r"data.attacks.*\['A09'\] not in split 'train'.*A01"):
        load_splits(recipe(tiny_la, "data.attacks=[A01, A09]"))


def test_attack_weights_draw_the_named_attack_more_often(tiny_la, tmp_path):
    from collections import Counter

    def spoof_share(*overrides):
        trainer = Trainer(recipe(tiny_la, "data.sampler.name=class-balanced", *overrides),
                          tmp_path / "run", progress=False)  # fmt: skip
        trainer.sampler.num_samples = 4000
        drawn = Counter(trainer.train_set[i].attack for i in trainer.sampler)
        return drawn["A01"] / (4000 - drawn["-"])

    plain = spoof_share()
    assert 0.3 < plain < 0.7  # the tiny corpus's two attacks, about equally
    weighted = spoof_share("data.sampler.attack_weights={A01: 4.0}")
    # A01 drawn four times as often per file as A02: odds rise fourfold
    assert weighted / (1 - weighted) == pytest.approx(4 * plain / (1 - plain), rel=0.2)


def test_paired_batches_hold_one_bona_fide_and_one_spoof_of_a_speaker_per_pair(tiny_la, tmp_path):
    trainer = Trainer(recipe(tiny_la, "data.sampler={name: class-balanced, pairs: source}"),
                      tmp_path / "run", progress=False)  # fmt: skip
    # an epoch still draws one item per train file, in batches of data.batch_size items
    assert trainer.steps_per_epoch == len(trainer.train_set) // 8
    wave, _, index = next(iter(trainer.train_loader))
    assert wave.shape == (8, 4000)
    for a, b in zip(index[::2].tolist(), index[1::2].tolist(), strict=True):
        first, second = trainer.train_set[a], trainer.train_set[b]
        assert {first.label, second.label} == {0, 1} and first.speaker == second.speaker
    result = trainer.fit()
    assert result.steps == 2 * trainer.steps_per_epoch and result.dev_eer is not None


def test_attack_weights_naming_an_absent_attack_fail_with_what_the_split_has(tiny_la, tmp_path):
    with pytest.raises(ConfigError, match=r"no training spoof of A09 \(the split has A01, A02"):
        Trainer(recipe(tiny_la, "data.sampler.name=class-balanced",
                       "data.sampler.attack_weights={A09: 2}"), tmp_path / "run")  # fmt: skip


def test_progress_to_a_log_file_is_plain_lines_through_the_epoch(tiny_la, tmp_path):
    import io

    from rich.console import Console

    log = io.StringIO()
    console = Console(file=log, force_terminal=False, width=200)
    Trainer(recipe(tiny_la, "train.epochs=1"), tmp_path / "run", console=console).fit()
    lines = [line for line in log.getvalue().splitlines() if line.startswith("epoch 1: step")]
    assert lines, log.getvalue()
    assert lines[-1].startswith("epoch 1: step 4/4, loss ")  # 32 train files / batch 8
    assert all(line.endswith(" s") for line in lines)


def test_cpu_bf16_autocasts_training_steps_and_records_the_precision(
    tiny_la, tmp_path, monkeypatch
):
    # bf16 autocast runs (emulated, slower) on any CPU, so the test needs no bf16 kernels
    monkeypatch.setattr("spoofscope.training.precision.cpu_has_bf16", lambda: True)
    trainer = Trainer(recipe(tiny_la, "train.epochs=1", "train.cpu_bf16=true"), tmp_path / "run",
                      progress=False)  # fmt: skip
    assert trainer.amp_dtype is torch.bfloat16
    seen: list[torch.dtype] = []
    hook = trainer.model.body.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    trainer.fit()
    hook.remove()
    # training steps run in bfloat16; the dev pass (threshold, calibration) stays float32
    assert torch.bfloat16 in seen and seen[-1] == torch.float32
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["precision"] == "bfloat16"
    assert read_card(tmp_path / "run" / "best").training["precision"] == "bfloat16"


def test_dev_autocast_scores_dev_at_the_training_precision(tiny_la, tmp_path, monkeypatch):
    monkeypatch.setattr("spoofscope.training.precision.cpu_has_bf16", lambda: True)
    cfg = recipe(tiny_la, "train.epochs=1", "train.cpu_bf16=true", "train.dev_autocast=true",
                 "model={name: lcnn, params: {backend: pool}}")  # fmt: skip
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    seen: list[torch.dtype] = []
    hook = trainer.model.body.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
    trainer.fit()
    hook.remove()
    n_dev_batches = len(trainer.dev_loader)
    assert seen[-n_dev_batches:] == [torch.bfloat16] * n_dev_batches
    # the LCNN's head stays float32, so bf16 features still give untied scores
    scores = read_scores(tmp_path / "run" / "dev_scores.tsv").score
    assert np.isfinite(scores).all() and len(np.unique(scores)) == len(scores)


def test_autocast_dtype_falls_back_to_float32_without_bf16_kernels(tiny_la, monkeypatch):
    from spoofscope.training.precision import autocast_dtype

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    on = recipe(tiny_la, "train.cpu_bf16=true")
    assert autocast_dtype(recipe(tiny_la), cpu) is None  # float32 unless asked
    assert autocast_dtype(on, cuda) is torch.float16  # amp is the CUDA switch
    assert autocast_dtype(recipe(tiny_la, "train.amp=false"), cuda) is None
    monkeypatch.setattr("spoofscope.training.precision.cpu_has_bf16", lambda: False)
    assert autocast_dtype(on, cpu) is None


ONE_CLASS_LCNN = "model={name: lcnn, params: {backend: pool, head: one-class, embedding_dim: 8}}"


def test_oc_softmax_head_trains_an_lcnn_whose_checkpoint_scores_with_its_centre(tiny_la, tmp_path):
    result = _train(tiny_la, tmp_path / "run", ONE_CLASS_LCNN, "loss.name=oc-softmax-head")
    assert result.steps >= 1 and result.dev_eer is not None
    dev = read_scores(tmp_path / "run" / "dev_scores.tsv")
    assert np.all(np.abs(dev.score) <= 1.0 + 1e-6)  # cosines to the bona fide direction
    model = load_checkpoint(tmp_path / "run" / "best").eval()
    assert model.head_kind == "one-class" and read_card(tmp_path / "run" / "best").config["head"]
    wave = torch.randn(3, 4000)
    with torch.no_grad():
        centre = model.out[1].center
        pooled = model.out[0](
            model.body(model.frontend(wave)).flatten(1, 2).transpose(1, 2).mean(1)
        )
        want = torch.nn.functional.cosine_similarity(pooled, centre.expand_as(pooled), dim=1)
        assert torch.allclose(model.score(wave), want, atol=1e-5)


def test_oc_softmax_head_refuses_a_model_without_a_one_class_head(tiny_la, tmp_path):
    with pytest.raises(ConfigError, match="needs a model with head: one-class") as err:
        Trainer(recipe(tiny_la, "loss.name=oc-softmax-head"), tmp_path / "run", progress=False)
    assert "\n" not in str(err.value)


def test_speaker_adversary_is_sized_from_the_tapped_embedding_and_trained_beside_the_model(
    tiny_la, tmp_path
):
    trainer = Trainer(recipe(tiny_la, ADVERSARY), tmp_path / "run", progress=False)
    first, last = trainer.loss.adversary[0], trainer.loss.adversary[-1]
    assert first.in_features == trainer.model.head.in_features  # the head's input, probed
    assert last.out_features == len(trainer.speakers) == 4
    before = first.weight.detach().clone()
    trainer.fit()
    assert not torch.equal(first.weight, before)
    # the dev loss is the task's cross-entropy alone, without the speaker term
    record = [r for r in read_metrics(tmp_path / "run/metrics.jsonl") if r["kind"] == "epoch"][-1]
    _, _, logits, targets = _dev_windows(trainer)
    task_loss = float(torch.nn.functional.cross_entropy(logits, targets))
    assert record["dev_loss"] == pytest.approx(task_loss, rel=1e-5)


def test_speaker_adversary_naming_a_missing_submodule_fails_before_the_corpus_is_read(tmp_path):
    overrides = "loss={name: speaker-adversarial, params: {tap: nowhere}}"
    with pytest.raises(ConfigError, match="no submodule 'nowhere'") as err:
        Trainer(recipe(tmp_path / "no-corpus", overrides), tmp_path / "run", progress=False)
    assert "\n" not in str(err.value)


def test_a_loss_with_its_own_learning_rate_scale_gets_its_own_optimiser_group(tiny_la, tmp_path):
    trainer = Trainer(
        recipe(tiny_la, FAST_ADVERSARY, "train.epochs=1"), tmp_path / "r", progress=False
    )
    trainer.fit()
    model_group, loss_group = trainer.optimizer.param_groups
    assert {id(p) for p in loss_group["params"]} == {id(p) for p in trainer.loss.parameters()}
    assert loss_group["lr"] == pytest.approx(10 * model_group["lr"]) and model_group["lr"] > 0
    plain = Trainer(recipe(tiny_la, ADVERSARY, "train.epochs=1"), tmp_path / "p", progress=False)
    plain.fit()
    assert len(plain.optimizer.param_groups) == 1
