"""Countermeasure architectures, one module each, registered by name."""

from spoofscope.registry import Registry

#: name → model class; ``MODELS.get("aasist")()`` builds the default configuration.
MODELS: Registry = Registry("model", "spoofscope.models")


def load_pretrained(name_or_path, path=None):
    """Load a pretrained model or checkpoint (see :func:`spoofscope.models.pretrained.load_pretrained`)."""
    from spoofscope.models.pretrained import load_pretrained as load

    return load(name_or_path, path)
