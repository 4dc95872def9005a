"""Front-ends: waveform batch ``[B, T]`` in, features out, as ``torch.nn.Module``s registered by name."""

from spoofscope.registry import Registry

#: name → front-end class; ``FRONTENDS.get("mfcc")(**params)`` builds one.
FRONTENDS: Registry = Registry("front-end", "spoofscope.features")


def build_frontend(name: str, norm: str | None = None, **params: object):
    """Build the front-end registered as ``name`` with ``params`` (every parameter has a default).

    Args:
        name: registry name (``spoofscope features --list`` shows them with their parameters).
        norm: None, "utterance" (per-utterance mean/variance) or "global" (fitted statistics kept
            in the state_dict); see :mod:`spoofscope.features.normalization`.
        **params: the front-end's constructor parameters.

    Returns:
        A :class:`spoofscope.features.base.FrontEnd` (wrapped when ``norm`` is given).

    Raises:
        UnknownNameError: ``name`` is not registered.
        ConfigError: a parameter is unknown or out of range, or ``norm`` is not a known kind.
    """
    from spoofscope.errors import ConfigError
    from spoofscope.features.normalization import NORMALIZERS

    cls = FRONTENDS.get(name)
    if norm is not None and norm not in NORMALIZERS:
        raise ConfigError("norm", f"choose one of {sorted(NORMALIZERS)} or none")
    try:
        frontend = cls(**params)
    except TypeError as exc:
        raise ConfigError(f"front-end '{name}'", str(exc)) from None
    return frontend if norm is None else NORMALIZERS[norm](frontend)
