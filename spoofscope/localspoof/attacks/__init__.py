"""LocalSpoof attacks L01-L14, one module each, registered by id (``ATTACKS.get("L05")``).

The registry holds attack classes; instantiate one to plan and render with it.
"""

from spoofscope.registry import Registry

#: attack id → Attack subclass (see :mod:`spoofscope.localspoof.attacks.base`).
ATTACKS: Registry = Registry("attack", "spoofscope.localspoof.attacks")
