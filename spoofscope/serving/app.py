"""The FastAPI app: routes, error bodies and middleware, built by :func:`create_app`.

Every error response is ``{"detail": "<what>: <why>"}`` (:class:`~.schemas.ErrorBody`), FastAPI's
own validation errors included, so a client reads one shape and the OpenAPI schema says so.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from spoofscope.serving.audit import AuditLog, UnknownRequestError
from spoofscope.serving.auth import token_matches
from spoofscope.serving.limits import (
    BodyLimit,
    BodyTimeoutError,
    BodyTooLargeError,
    RateLimiter,
    retry_after,
)
from spoofscope.serving.metrics import MetricsMiddleware, ServiceMetrics
from spoofscope.serving.pool import ScoringPool
from spoofscope.serving.schemas import (
    BatchResult,
    ErrorBody,
    FeedbackIn,
    FeedbackOut,
    Health,
    ModelCardSummary,
    ModelList,
    Ready,
    ScoreResult,
)
from spoofscope.serving.scoring import Outcome, Scorer
from spoofscope.serving.settings import Settings
from spoofscope.serving.uploads import MULTIPART, read_uploads

STATIC = Path(__file__).with_name("static")
#: the page loads nothing from anywhere else (no CDN; it works offline)
PAGE_CSP = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:"

_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": why}
    for code, why in {
        401: "missing or wrong bearer token",
        429: "too many requests from this client",
        422: "request fields are missing or wrong",
    }.items()
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    **{
        code: {"model": ErrorBody, "description": why}
        for code, why in {
            400: "the recording cannot be decoded (not audio, damaged, empty)",
            408: "the client stopped sending the body",
            413: "the body is larger than the upload limit",
            415: "the body's media type is not one accepted",
            422: "the recording is refused (too long, too short, rate out of range), or a form "
            "holds no file",
            504: "the recording was not scored in time",
        }.items()
    },
}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_ONE_FILE = {"type": "object", "properties": {"file": _BINARY["schema"]}, "required": ["file"]}
_MANY_FILES = {
    "type": "object",
    "properties": {"files": {"type": "array", "items": _BINARY["schema"]}},
    "required": ["files"],
}


def _body(form: dict[str, Any], raw: bool) -> dict[str, Any]:
    content: dict[str, Any] = {MULTIPART: {"schema": form}}
    if raw:
        content |= {"audio/*": _BINARY, "application/octet-stream": _BINARY}
    return {"requestBody": {"required": True, "content": content}}


@dataclass
class Service:
    """What the routes share: settings, the scoring pool, the audit log, limits and metrics."""

    settings: Settings
    pool: ScoringPool
    audit: AuditLog
    metrics: ServiceMetrics
    limiter: RateLimiter
    scorer: Scorer
    # SQLite takes one writer at a time, so audit writes go through one thread, off the loop
    db: ThreadPoolExecutor

    async def commit(self, outcomes: list[Outcome]) -> None:
        """Commit the audit rows of ``outcomes`` in one transaction, before any is answered."""
        rows = [o.record for o in outcomes]
        await asyncio.wrap_future(self.db.submit(self.audit.record, rows))

    def close(self) -> None:
        self.pool.close()
        self.db.shutdown(wait=True)
        self.audit.close()


def build_service(settings: Settings, metrics: ServiceMetrics) -> Service:
    """Load the model on every worker and open (and migrate) the audit database.

    Raises:
        CheckpointError: the model cannot be loaded; ConfigError: the database cannot be used.
    """
    audit = AuditLog(settings.db_url, synchronous=settings.audit_sync)
    pool = ScoringPool(settings.model, settings.worker_count, settings.backend)
    return Service(
        settings=settings,
        pool=pool,
        audit=audit,
        metrics=metrics,
        limiter=RateLimiter(settings.rate_per_minute, settings.burst),
        scorer=Scorer(pool, settings, metrics),
        db=ThreadPoolExecutor(1, thread_name_prefix="spoofscope-audit"),
    )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service's app; the model and database are opened when it starts (its lifespan).

    Args:
        settings: the configuration (defaults: the shipped model, ``spoofscope-audit.db``).
    """
    settings = settings or Settings()
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service = await asyncio.to_thread(build_service, settings, metrics)
        app.state.service = service
        try:
            yield
        finally:
            await asyncio.to_thread(service.close)

    app = FastAPI(
        title="spoofscope",
        summary="Tell real speech from synthetic or converted speech.",
        version=_version(),
        lifespan=lifespan,
    )

    def service(request: Request) -> Service:
        return request.app.state.service

    def authorised(request: Request) -> None:
        if settings.token and not token_matches(
            request.headers.get("authorization"), settings.token
        ):
            raise HTTPException(
                401,
                "authorization: a valid bearer token is required",
                headers={"WWW-Authenticate": "Bearer"},
            )

    def limited(request: Request, svc: Service = Depends(service)) -> None:
        wait = svc.limiter.acquire(_client(request))
        if wait > 0:
            raise HTTPException(
                429,
                f"client {_client(request)}: too many requests; retry in {wait:.1f} s",
                headers={"Retry-After": retry_after(wait)},
            )

    guarded = [Depends(authorised), Depends(limited)]

    @app.post(
        "/v1/score",
        response_model=ScoreResult,
        responses=_UPLOAD_ERRORS,
        dependencies=guarded,
        openapi_extra=_body(_ONE_FILE, raw=True),
        summary="Score one recording (a multipart field 'file', or the raw audio as the body)",
    )
    async def score(
        request: Request, svc: Service = Depends(service)
    ) -> ScoreResult | JSONResponse:
        (upload,) = await read_uploads(request, raw_allowed=True, max_files=1)
        outcome = await svc.scorer.score(upload, _client(request))
        await svc.commit([outcome])
        if outcome.error is not None:
            return JSONResponse({"detail": outcome.error.detail}, status_code=outcome.error.status)
        assert outcome.result is not None
        return outcome.result

    @app.post(
        "/v1/score/batch",
        response_model=BatchResult,
        responses=_UPLOAD_ERRORS,
        dependencies=guarded,
        openapi_extra=_body(_MANY_FILES, raw=False),
        summary="Score several recordings (multipart fields 'files'); bad ones are listed apart",
    )
    async def score_batch(request: Request, svc: Service = Depends(service)) -> BatchResult:
        uploads = await read_uploads(
            request, raw_allowed=False, max_files=svc.settings.max_batch_files
        )
        batch_id = uuid.uuid4().hex
        client = _client(request)
        outcomes = list(
            await asyncio.gather(*(svc.scorer.score(u, client, batch_id) for u in uploads))
        )
        await svc.commit(outcomes)
        return BatchResult(
            batch_id=batch_id,
            results=[o.result for o in outcomes if o.result is not None],
            failed=[o.error for o in outcomes if o.error is not None],
        )

    @app.get("/v1/models", response_model=ModelList, responses=_ERRORS, dependencies=guarded)
    async def models(svc: Service = Depends(service)) -> ModelList:
        return ModelList(models=[_summary(svc)])

    @app.post(
        "/v1/feedback",
        response_model=FeedbackOut,
        responses={
            **_ERRORS,
            400: {"model": ErrorBody, "description": "the body is not valid JSON"},
            404: {"model": ErrorBody, "description": "no such scored request"},
            413: {"model": ErrorBody, "description": "the body is larger than the upload limit"},
        },
        dependencies=guarded,
        summary="Say what a scored recording really was (by its request id)",
    )
    async def feedback(
        body: FeedbackIn, request: Request, svc: Service = Depends(service)
    ) -> FeedbackOut:
        add = svc.audit.add_feedback
        try:
            row = await asyncio.wrap_future(
                svc.db.submit(add, body.request_id, body.label, _client(request), body.note)
            )
        except UnknownRequestError:
            raise HTTPException(
                404, f"request {body.request_id}: no scored recording has this id"
            ) from None
        return FeedbackOut(
            request_id=body.request_id, label=body.label, verdict=row["verdict"], score=row["score"]
        )

    @app.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok")

    @app.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": ErrorBody, "description": "the audit database is unreachable"}},
    )
    async def readyz(svc: Service = Depends(service)) -> Ready:
        def ping() -> None:
            with svc.audit.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await asyncio.wrap_future(svc.db.submit(ping))
        except Exception as exc:  # any driver error means the same thing here: not ready
            raise HTTPException(
                503, f"audit database: unreachable ({type(exc).__name__})"
            ) from None
        return Ready(status="ready", workers=svc.pool.workers)

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}, **_ERRORS},
        dependencies=[Depends(authorised)],
    )
    async def prometheus() -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_CSP})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _error_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Filename"],
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)  # outermost: counts every answer
    return app


def _summary(svc: Service) -> ModelCardSummary:
    card = svc.pool.card
    detector = svc.pool.detector
    training = card.training or {}
    eer = training.get("dev_eer")
    return ModelCardSummary(
        id=svc.pool.spec,
        version=svc.pool.version,
        architecture=card.architecture,
        sample_rate=card.input.sample_rate,
        crop_seconds=card.input.crop_samples / card.input.sample_rate,
        channel=card.input.channel,
        threshold=detector.threshold,
        calibrated=card.calibrated,
        parameters=card.parameters,
        dev_eer=float(eer) if isinstance(eer, int | float) else None,
        workers=svc.pool.workers,
    )


def _error_handlers(app: FastAPI) -> None:
    def one_line(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse({"detail": " ".join(detail.splitlines())}, status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return one_line(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ())) or "request"
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        return one_line(422, f"{where}: {first.get('msg', 'invalid')}{more}")

    @app.exception_handler(BodyTooLargeError)
    async def too_large(_: Request, exc: BodyTooLargeError) -> JSONResponse:
        return one_line(413, str(exc), {"Connection": "close"})

    @app.exception_handler(BodyTimeoutError)
    async def stalled(_: Request, exc: BodyTimeoutError) -> JSONResponse:
        return one_line(408, str(exc), {"Connection": "close"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("spoofscope")
    except PackageNotFoundError:
        return "0"
