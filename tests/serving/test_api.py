"""Every endpoint of the service and every error it answers, through FastAPI's TestClient."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from spoofscope.inference.detector import Detection, Detector
from spoofscope.serving import scoring
from spoofscope.serving.app import create_app
from spoofscope.serving.pool import model_version
from spoofscope.serving.scoring import SUSPICIOUS
from spoofscope.serving.settings import Settings
from tests.serving.conftest import band_limited_wav, room_noise_wav, speech_wav


def client_for(tmp: Path, **settings: object) -> TestClient:
    own = Path(tempfile.mkdtemp(dir=tmp))  # each app its own audit log
    base = {"db_url": f"sqlite:///{own / 'audit.db'}", "workers": 1, "rate_per_minute": 0}
    return TestClient(create_app(Settings(**{**base, **settings})))


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service")


@pytest.fixture(scope="module")
def client(tmp: Path) -> Iterator[TestClient]:
    with client_for(tmp, max_seconds=8.0, keep_suspicious=tmp / "kept") as c:
        yield c


def rows(client: TestClient) -> dict[str, dict]:
    return {r["id"]: r for r in client.app.state.service.audit.requests()}


def upload(client: TestClient, data: bytes, name: str = "call.wav", **kw: object):
    return client.post("/v1/score", files={"file": (name, data, "audio/wav")}, **kw)


# -- scoring ----------------------------------------------------------------------------------------


def test_score_matches_the_detector_and_is_audited(client: TestClient, wav4: bytes) -> None:
    response = upload(client, wav4)
    assert response.status_code == 200
    body = response.json()
    expected = Detector.load("default").score(wav4)
    assert body["score"] == pytest.approx(expected.score, abs=1e-5)
    assert body["verdict"] == expected.verdict
    assert body["duration"] == pytest.approx(4.0)
    # the timeline is the Detector's own: its windows (2 s, end to end), scores and speech flags
    assert [(w["start_s"], w["end_s"], w["speech"]) for w in body["timeline"]] == [
        (0.0, 2.0, True),
        (2.0, 4.0, True),
    ]
    assert [(s.start_s, s.end_s, s.speech) for s in expected.timeline] == [
        (w["start_s"], w["end_s"], w["speech"]) for w in body["timeline"]
    ]
    assert [w["score"] for w in body["timeline"]] == pytest.approx(expected.window_scores, abs=1e-5)
    assert body["most_suspicious"]["start_s"] == expected.suspicious.start_s
    assert body["speech_seconds"] == pytest.approx(expected.speech_seconds)
    assert (body["aggregate"], body["warnings"]) == ("mean", [])
    assert body["model"] == {"id": "default", "version": model_version("default")}
    row = rows(client)[body["request_id"]]
    assert row["sha256"] == hashlib.sha256(wav4).hexdigest() == body["sha256"]
    assert (row["status"], row["verdict"], row["filename"]) == (200, body["verdict"], "call.wav")
    assert row["score"] == pytest.approx(body["score"])


def test_raw_body_takes_its_name_from_the_query(client: TestClient, wav4: bytes) -> None:
    response = client.post(
        "/v1/score?filename=..%2Fetc%2Fline7.wav",
        content=wav4,
        headers={"content-type": "audio/x-wav"},
    )
    assert response.status_code == 200
    assert response.json()["filename"] == "line7.wav"  # the folder part never comes back


def test_batch_scores_the_good_files_and_lists_the_bad(client: TestClient, wav4: bytes) -> None:
    files = [
        ("files", ("a.wav", wav4, "audio/wav")),
        ("files", ("b.flac", speech_wav(3.0, seed=1, fmt="FLAC"), "audio/flac")),
        ("files", ("notes.wav", b"meeting notes, not audio\n", "audio/wav")),
    ]
    response = client.post("/v1/score/batch", files=files)
    assert response.status_code == 200
    body = response.json()
    assert [r["filename"] for r in body["results"]] == ["a.wav", "b.flac"]
    assert body["failed"] == [
        {
            "request_id": body["failed"][0]["request_id"],
            "filename": "notes.wav",
            "status": 400,
            "detail": "notes.wav: not an audio file in any supported format",
        }
    ]
    batch = [r for r in rows(client).values() if r["batch_id"] == body["batch_id"]]
    assert sorted(r["status"] for r in batch) == [200, 200, 400]


@pytest.mark.parametrize("verdict", ["spoof", "uncertain", "bonafide", "no-speech"])
def test_only_suspicious_clips_are_kept(
    client: TestClient, tmp: Path, monkeypatch: pytest.MonkeyPatch, verdict: str
) -> None:
    def judged(detector: Detector, upload: object, max_seconds: float) -> Detection:
        return Detection(score=-1.0, p_spoof=0.9, verdict=verdict, threshold=0.0, duration=4.0)

    monkeypatch.setattr(scoring, "score_as_file", judged)
    data = speech_wav(4.0, seed=2)
    body = upload(client, data, "voicemail").json()
    row = rows(client)[body["request_id"]]
    if verdict in SUSPICIOUS:
        kept = Path(row["kept_path"])  # no extension given: found from the bytes
        assert kept == tmp / "kept" / f"{body['request_id']}.wav"
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == row["sha256"]
    else:
        assert row["kept_path"] is None


def test_the_onnx_backend_scores_as_torch_does(
    tmp: Path, wav4: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPOOFSCOPE_CACHE", str(tmp / "cache"))
    with client_for(tmp, backend="onnx", workers=2) as onnx:
        body = upload(onnx, wav4).json()
    expected = Detector.load("default").score(wav4)
    assert body["score"] == pytest.approx(expected.score, rel=2e-4)
    assert body["verdict"] == expected.verdict
    # another graph, another version; exported once (not by each worker) into the cache
    assert body["model"]["version"] == model_version("default", "onnx") != model_version("default")
    assert len(list((tmp / "cache" / "onnx").glob("*.onnx"))) == 1


def test_an_unknown_backend_is_refused_before_anything_loads() -> None:
    with pytest.raises(ValueError, match="unknown backend 'tensorrt'; choose one of torch, onnx"):
        Settings(backend="tensorrt")


def test_a_recording_without_speech_is_no_speech(client: TestClient) -> None:
    body = upload(client, room_noise_wav(), "missed-call.wav").json()
    assert body["verdict"] == "no-speech"
    assert body["speech_seconds"] == 0.0
    assert [w["speech"] for w in body["timeline"]] == [False, False]
    assert body["warnings"] == []  # the Detector warns about nothing it did not judge
    assert rows(client)[body["request_id"]]["verdict"] == "no-speech"


def test_band_limited_input_carries_the_detector_warning(client: TestClient) -> None:
    data = band_limited_wav(cutoff_hz=1800.0)
    body = upload(client, data, "intercom.wav").json()
    assert body["warnings"] == Detector.load("default").score(data).warnings
    (warning,) = body["warnings"]
    assert warning.startswith("band-limited: content ends near 1.8 kHz")


# -- bad input: one line, the CLI's reason, no server path -------------------------------------------

TRUNCATED = speech_wav(2.0)[:3000]


@pytest.mark.parametrize(
    ("data", "status", "why"),
    [
        (b"", 400, "file is empty (0 bytes)"),
        (b"#!/bin/sh\necho not audio\n", 400, "not an audio file in any supported format"),
        (TRUNCATED, 400, "truncated: WAV data chunk is shorter than its header says"),
        (speech_wav(9.0), 422, "longer than"),
    ],
    ids=["empty", "not-audio", "truncated", "too-long"],
)
def test_unusable_audio_gets_the_cli_reason(
    client: TestClient, data: bytes, status: int, why: str
) -> None:
    response = upload(client, data, "clip.wav")
    assert response.status_code == status
    detail = response.json()["detail"]
    assert detail.startswith("clip.wav: ") and why in detail
    assert "\n" not in detail and "/tmp" not in detail and str(Path.cwd()) not in detail
    assert rows(client)  # refused recordings are audited too
    assert any(r["error"] == detail and r["status"] == status for r in rows(client).values())


def test_unsupported_media_type_is_415(client: TestClient, wav4: bytes) -> None:
    response = client.post("/v1/score", content=wav4, headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["detail"].startswith("content type text/plain: not accepted")
    raw_batch = client.post("/v1/score/batch", content=wav4, headers={"content-type": "audio/wav"})
    assert raw_batch.status_code == 415


def test_a_form_without_a_file_is_422(client: TestClient) -> None:
    response = client.post("/v1/score", files={"note": (None, "forgot the file")})
    assert response.status_code == 422
    assert response.json() == {
        "detail": "form: no file; send the recording in a field named 'file'"
    }


def test_body_over_the_limit_is_413_declared_or_streamed(tmp: Path, wav4: bytes) -> None:
    with client_for(tmp, max_upload_bytes=len(wav4) - 1) as small:
        declared = upload(small, wav4)
        assert declared.status_code == 413

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies as it streams
            for at in range(0, len(wav4), 4096):
                yield wav4[at : at + 4096]

        streamed = small.post("/v1/score", content=chunks(), headers={"content-type": "audio/wav"})
        assert streamed.status_code == 413
        assert "limit" in streamed.json()["detail"]
        assert rows(small) == {}  # nothing was scored


def test_a_slow_model_gets_504(tmp: Path, wav4: bytes) -> None:
    with client_for(tmp, request_timeout_s=1e-4) as hurried:
        response = upload(hurried, wav4)
        assert response.status_code == 504
        assert response.json()["detail"] == "call.wav: not scored within 0.0001 s"


# -- auth, rate limit, CORS ---------------------------------------------------------------------------


def test_bearer_token_is_required_when_set(tmp: Path, wav4: bytes) -> None:
    with client_for(tmp, token="s3cret-token") as locked:
        assert upload(locked, wav4).status_code == 401
        wrong = upload(locked, wav4, headers={"Authorization": "Bearer s3cret-tokeN"})
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        assert locked.get("/metrics").status_code == 401
        assert locked.get("/v1/models").status_code == 401
        good = upload(locked, wav4, headers={"Authorization": "Bearer s3cret-token"})
        assert good.status_code == 200
        assert locked.get("/healthz").status_code == 200  # probes and the page stay open
        assert locked.get("/").status_code == 200


def test_rate_limit_answers_429_with_retry_after(tmp: Path) -> None:
    with client_for(tmp, rate_per_minute=1, burst=2) as limited:
        codes = [limited.get("/v1/models").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        third = limited.get("/v1/models")
        assert int(third.headers["retry-after"]) >= 1


def test_cors_is_off_unless_origins_are_given(client: TestClient, tmp: Path) -> None:
    origin = {"Origin": "https://intranet.example"}
    assert "access-control-allow-origin" not in client.get("/v1/models", headers=origin).headers
    with client_for(tmp, cors_origins=["https://intranet.example"]) as open_:
        allowed = open_.get("/v1/models", headers=origin).headers
        assert allowed["access-control-allow-origin"] == "https://intranet.example"


# -- feedback, models, probes, metrics, schema, page --------------------------------------------------


def test_feedback_is_stored_with_the_score(client: TestClient, wav4: bytes) -> None:
    scored = upload(client, wav4).json()
    response = client.post(
        "/v1/feedback", json={"request_id": scored["request_id"], "label": "spoof", "note": "TTS"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "request_id": scored["request_id"],
        "label": "spoof",
        "verdict": scored["verdict"],
        "score": pytest.approx(scored["score"]),
    }
    stored = client.app.state.service.audit.feedback()
    assert any(f["id"] == scored["request_id"] and f["note"] == "TTS" for f in stored)


def test_feedback_on_unknown_or_refused_requests_is_404(client: TestClient) -> None:
    refused = upload(client, b"not audio at all", "x.wav")
    failed_id = next(
        r["id"] for r in rows(client).values() if r["error"] and r["filename"] == "x.wav"
    )
    assert refused.status_code == 400
    for request_id in ("0" * 32, failed_id):
        response = client.post("/v1/feedback", json={"request_id": request_id, "label": "bonafide"})
        assert response.status_code == 404
    bad = client.post("/v1/feedback", json={"request_id": failed_id, "label": "fake-ish"})
    assert bad.status_code == 422
    assert bad.json()["detail"] == "body.label: Input should be 'bonafide' or 'spoof'"


def test_models_lists_the_loaded_card(client: TestClient) -> None:
    (model,) = client.get("/v1/models").json()["models"]
    card = Detector.load("default").card
    assert model["version"] == model_version("default")
    assert model["architecture"] == card.architecture
    assert model["crop_seconds"] == card.input.crop_samples / card.input.sample_rate
    assert model["dev_eer"] == pytest.approx(card.training["dev_eer"])


def test_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "workers": 1}


def test_metrics_count_requests_errors_and_latency(tmp: Path, wav4: bytes) -> None:
    with client_for(tmp) as fresh:
        upload(fresh, wav4)
        upload(fresh, b"junk", "j.wav")
        text = fresh.get("/metrics").text
    assert 'spoofscope_requests_total{endpoint="/v1/score",method="POST",status="200"} 1.0' in text
    assert 'spoofscope_request_errors_total{endpoint="/v1/score",status="400"} 1.0' in text
    assert 'spoofscope_request_duration_seconds_count{endpoint="/v1/score"} 2.0' in text
    assert "spoofscope_inference_seconds_bucket" in text


def test_openapi_describes_bodies_and_responses(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    score = schema["paths"]["/v1/score"]["post"]
    assert set(score["requestBody"]["content"]) == {
        "multipart/form-data", "audio/*", "application/octet-stream"
    }  # fmt: skip
    assert {"200", "400", "401", "413", "415", "422", "429", "504"} <= set(score["responses"])
    result = schema["components"]["schemas"]["ScoreResult"]
    assert {"timeline", "p_spoof", "verdict", "request_id", "model"} <= set(result["required"])


def test_page_is_served_with_no_outside_resources(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "aria-live" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    static = Path(__file__).parents[2] / "spoofscope" / "serving" / "static"
    for path in static.iterdir():
        assert "http://" not in path.read_text() and "https://" not in path.read_text(), path.name
        assert client.get(f"/static/{path.name}").status_code == 200
