"""Corpus recipes: read a released corpus from its root folder into a Manifest, registered by name."""

from spoofscope.registry import Registry

#: name → recipe; ``CORPORA.get("asvspoof2019-la")`` returns the recipe class.
CORPORA: Registry = Registry("corpus", "spoofscope.corpora")
