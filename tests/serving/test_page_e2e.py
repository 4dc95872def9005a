"""The web page in headless Chromium against a real server: upload, verdict, timeline drawing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from spoofscope.serving.launch import ServerProcess
from tests.serving.conftest import band_limited_wav, room_noise_wav

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).is_file(), reason=f"Debian chromium not installed ({CHROMIUM})"
)


def test_upload_shows_the_verdict_and_draws_the_timeline(tmp_path: Path, wav_file: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    args = ["--db", f"sqlite:///{tmp_path / 'audit.db'}", "--workers", "1"]
    with (
        ServerProcess(args, log=tmp_path / "server.log") as server,
        sync_api.sync_playwright() as p,
    ):
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone's width
        page.goto(server.url + "/")
        page.wait_for_selector("#model dd")  # model info came from /v1/models
        assert "default" in page.inner_text("#model")
        page.set_input_files("#file", str(wav_file))
        page.wait_for_selector("#wave[data-drawn='true']", timeout=60_000)
        verdict = page.inner_text("#verdict")
        assert "probability of spoof" in verdict and "call-0001.wav" in verdict
        assert page.get_attribute("#verdict", "data-judged") == "true"
        assert page.is_hidden("#warnings-box")  # wideband speech on a calibrated model
        assert "Speech found in" in page.inner_text("#speech")
        canvas = page.locator("#wave")
        assert int(canvas.get_attribute("data-windows")) == 2  # 4 s in 2-s windows, end to end
        assert canvas.get_attribute("data-waveform") == "decoded"  # WebAudio decoded the WAV
        inked = page.evaluate(
            """() => { const c = document.getElementById('wave');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }"""
        )
        assert inked > 1000  # the waveform and window shading were painted
        assert int(page.locator("#progress").get_attribute("value") or 0) == 100
        page.click("#feedback button[data-label='bonafide']")
        page.wait_for_selector("#feedback-status:not(:empty)")
        assert "stored" in page.inner_text("#feedback-status")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "serving-page.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")

        # a warning is shown as one, beside the verdict, its code as a heading
        page.set_input_files("#file", str(write(tmp_path / "intercom.wav", band_limited_wav())))
        page.wait_for_selector("#verdict[data-warned='true']", timeout=60_000)
        assert page.is_visible("#warnings-box")
        assert page.get_attribute("#warnings li", "data-code") == "band-limited"
        assert page.inner_text("#warnings li strong") == "Band limited"
        assert "1 warning below" in page.inner_text("#verdict")

        # no speech: said plainly, no probability of spoof, nothing outlined as suspicious
        page.set_input_files("#file", str(write(tmp_path / "missed.wav", room_noise_wav())))
        page.wait_for_selector("#verdict[data-verdict='no-speech']", timeout=60_000)
        verdict = page.inner_text("#verdict")
        assert verdict.startswith("No speech found: there is no voice in this recording")
        assert "probability of spoof" not in verdict
        assert page.get_attribute("#verdict", "data-judged") == "false"
        assert page.is_hidden("#warnings-box")
        page.screenshot(path=str(ARTIFACTS / "serving-page-no-speech.png"), full_page=True)
        browser.close()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
