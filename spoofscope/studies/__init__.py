"""Studies: many trainings of one recipe, compared with statistics.

A study varies one thing of a recipe (which cepstral coefficients a front-end keeps, which
front-end a model reads), trains each variant under several seeds through the normal trainer,
scores every run on the recipe's dev and eval splits, and reports each variant against the
baseline with intervals over utterances and tests over seeds:

* :mod:`~spoofscope.studies.variants` — what each mode trains (coefficient sets, front-ends);
* :mod:`~spoofscope.studies.plan` — variants × seeds as run directories, and what is done;
* :mod:`~spoofscope.studies.runs` — one run: train (or resume), then score its splits;
* :mod:`~spoofscope.studies.stats` — means over seeds, paired bootstrap, tests, corrections;
* :mod:`~spoofscope.studies.intervention` — occlusion and permutation on a trained baseline;
* :mod:`~spoofscope.studies.timing` — single-thread forward time of compact models;
* :mod:`~spoofscope.studies.report` — ``results.csv`` and the self-contained ``report.html``;
* :mod:`~spoofscope.studies.study` — the studies themselves (ablation, compact, features).
"""
