"""Training from the feature cache (``data.feature_cache``): cached front-end output, cropped in frames.

The model's front-end runs once per training file, into a :class:`FeatureCache`; each epoch then
reads the cached ``[C, F, frames]`` arrays and crops them in frames, and the model, inside
:func:`~spoofscope.features.base.reading_cached`, applies only the steps after the cache (coefficient
selection, deltas, normalisation) before its back-end. Dev scoring keeps the waveform path.

The frame crop is the sample crop on the frame grid. A crop of ``L`` samples gives ``1 + L // hop``
frames; a recording of ``N`` samples has ``1 + N // hop`` cached frames, and the crop's start is
drawn over the ``N // hop - L // hop + 1`` frame starts as :class:`CropPolicy` draws a sample
start (``first``: 0; ``centre``: the middle; ``random``: uniform). A recording exactly ``L``
samples long gives the same frames both ways; elsewhere the first and last ``win_length / 2 /
hop`` frames of a crop differ (cut from a longer recording they saw real samples where a
computed crop sees its zero padding), and a short recording is tiled (``pad: repeat``) or filled
with the front-end's silence frame (``pad: zero``) in frames rather than samples.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from spoofscope.corpora.dataset import AudioDataset, CropPolicy
from spoofscope.corpora.manifest import Manifest
from spoofscope.errors import AudioError, ConfigError
from spoofscope.features.base import FrontEnd
from spoofscope.features.cache import FeatureCache
from spoofscope.features.extract import batch_features, extract_to_cache, require_cacheable

KEY = "data.feature_cache"


def cacheable_frontend(model: torch.nn.Module, name: str) -> FrontEnd:
    """The model's front-end, when training can read its output from the cache.

    Raises:
        ConfigError: the model has no :class:`FrontEnd`, its front-end learns (has parameters,
            so its output changes as it trains), its frames do not map to samples, or its
            features cannot be cached (:func:`~spoofscope.features.extract.require_cacheable`).
    """
    frontend = getattr(model, "frontend", None)
    if not isinstance(frontend, FrontEnd):
        raise ConfigError(KEY, f"model '{name}' has no spoofscope front-end whose output to cache")
    if any(True for _ in frontend.parameters()):
        raise ConfigError(KEY, f"the front-end of '{name}' learns; its output cannot be cached")
    try:
        require_cacheable(frontend)
    except ConfigError as exc:
        raise ConfigError(KEY, f"{exc.what}: {exc.why}") from None
    if frontend.frame_hop is None:
        raise ConfigError(
            KEY, f"front-end '{frontend.name}' has no frame hop, so a crop cannot be cut in frames"
        )
    return frontend


def standalone(frontend: FrontEnd) -> FrontEnd:
    """A CPU copy of ``frontend`` without its hooks (a training-only mask refers to the model)."""
    clone = copy.deepcopy(frontend).cpu().eval()
    for module in clone.modules():
        module._forward_hooks.clear()
        module._forward_pre_hooks.clear()
    return clone


def fill_cache(frontend: FrontEnd, manifest: Manifest, cache: FeatureCache) -> int:
    """Extract every file of ``manifest`` not yet in ``cache``; return how many were computed.

    Raises:
        AudioError: a file cannot be read or decoded (the first such file; training would
            fail on it too).
    """
    report = extract_to_cache(frontend, [u.path for u in manifest], cache)
    if report.failed:
        path, why = report.failed[0]
        more = f" (and {len(report.failed) - 1} more)" if len(report.failed) > 1 else ""
        raise AudioError(path, why + more)
    return report.computed


class CachedFeatureDataset(AudioDataset):
    """Cached features of a manifest as training items ``(feats [C, F, crop_frames], label, index)``.

    The items, crops and per-item generators of :class:`AudioDataset`, in frames: :meth:`load`
    gives an item's cached array frames first (``[frames, C, F]``, the time axis first as a
    waveform's), so a paired dataset's cut to the common length cuts frames.

    Args:
        manifest: the utterances.
        frontend: the model's front-end (a hook-free copy is kept to compute a missing entry).
        cache: where the entries are.
        crop: the recipe's crop policy, in samples.
        seed: fixes random crops.
    """

    def __init__(
        self,
        manifest: Manifest,
        frontend: FrontEnd,
        cache: FeatureCache,
        crop: CropPolicy,
        seed: int = 0,
    ) -> None:
        super().__init__(manifest, frontend.sample_rate, crop, augment=None, seed=seed)
        self.frontend = standalone(frontend)
        self.config = frontend.cache_config()
        self.cache = cache
        hop = int(frontend.frame_hop or 1)
        self.frames = 1 + crop.length // hop
        with torch.no_grad():  # every frame of silence is the same: the padding of pad: zero
            self.silence = self.frontend.cached(torch.zeros(1, 4 * hop))[0, ..., 1].numpy()

    def load(self, index: int) -> np.ndarray:
        """Item ``index``'s cached features, frames first: ``[frames, C, F]``.

        An entry missing from the cache (deleted since extraction) is computed and stored.

        Raises:
            AudioError: a missing entry whose recording cannot be read.
        """
        path = self.manifest[index].path
        feats = self.cache.get_or_compute(self.config, path, lambda: self._compute(index))
        return np.moveaxis(feats, -1, 0)

    def _compute(self, index: int) -> np.ndarray:
        return batch_features(self.frontend, [AudioDataset.load(self, index)])[0]

    def finish(
        self, feats: np.ndarray, index: int, rng: np.random.Generator
    ) -> tuple[torch.Tensor, int, int]:
        """Crop ``feats: [frames, C, F]`` to the crop's frames → ``[C, F, crop_frames]``."""
        crop = np.moveaxis(self._crop(feats, rng), 0, -1)
        tensor = torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))
        return tensor, self.manifest[index].label, index

    def _crop(self, feats: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        n, policy = self.frames, self.crop
        if len(feats) == 0:
            return np.repeat(self.silence[None], n, axis=0)
        if len(feats) < n:
            if policy.pad == "repeat":
                return np.concatenate([feats] * (n // len(feats) + 1))[:n]
            fill = np.repeat(self.silence[None], n - len(feats), axis=0)
            return np.concatenate([feats, fill])
        start = policy.start(len(feats) - n, rng)
        return feats[start : start + n]
