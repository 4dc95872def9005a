"""Countermeasure architectures, one module each, registered by name."""

from spoofscope.registry import Registry

#: name → model class; ``MODELS.get("aasist")()`` builds the default configuration.
MODELS: Registry = Registry("model", "spoofscope.models")
