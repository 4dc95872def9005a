"""Training losses as ``torch.nn.Module``s registered by name (``LOSSES.get("oc-softmax")(**params)``).

Every loss class declares what it consumes in the class attribute ``inputs``, so the trainer knows
what to feed it without an if-chain on names:

- ``"logits"``: ``forward(logits, labels)`` — classifier outputs, ``[B, 2]`` or ``[B]``/``[B, 1]``;
- ``"embeddings"``: ``forward(embeddings, labels)`` — ``[B, D]`` vectors and ``[B]`` integer labels;
- ``"pairs"``: ``forward(emb_a, emb_b, same)`` — two ``[B, D]`` branches of a Siamese model;
- ``"tapped"``: ``forward(logits, labels, embeddings, groups)`` — logits, plus the input of the
  model's submodule ``loss.tap`` and the train speaker indices (``speaker-adversarial``).

Labels follow the ASVspoof score convention used everywhere in spoofscope: ``1`` is bona fide,
``0`` is spoof (:data:`BONAFIDE`).
"""

from spoofscope.registry import Registry

#: name → loss class; ``LOSSES.get("triplet-batch-hard")(margin=1.0)`` builds one.
LOSSES: Registry = Registry("loss", "spoofscope.losses")

#: label (and logit column) of bona fide speech; spoof is ``1 - BONAFIDE``.
BONAFIDE = 1
