"""Front-ends: waveform batch ``[B, T]`` in, features out, as ``torch.nn.Module``s registered by name."""

from spoofscope.registry import Registry

#: name → front-end class; ``FRONTENDS.get("mfcc")(**params)`` builds one.
FRONTENDS: Registry = Registry("front-end", "spoofscope.features")
