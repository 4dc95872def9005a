"""`spoofscope serve`: the scoring API, its audit log and the web page, on one port."""

from __future__ import annotations

from pathlib import Path

import typer

from spoofscope.cli.common import backend_option, err_console

#: Settings fields whose option is not the field's name with dashes
OPTIONS = {
    "max_upload_bytes": "--max-upload-mb",
    "db_url": "--db",
    "request_timeout_s": "--timeout",
    "cors_origins": "--cors-origin",
}


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    model: str = typer.Option(
        "default", "--model", help="default, a pretrained name, a checkpoint or run directory."
    ),
    token_file: Path | None = typer.Option(
        None, "--token-file", help="File holding the bearer token the API requires."
    ),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", help="Largest request body."),
    max_seconds: float = typer.Option(600.0, "--max-seconds", help="Longest recording scored."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Inference threads, each with its own model (default: one per core).",
    ),
    db: str = typer.Option(
        "sqlite:///spoofscope-audit.db", "--db", help="SQLAlchemy URL of the audit database."
    ),
    keep_suspicious: Path | None = typer.Option(
        None, "--keep-suspicious", help="Keep recordings judged spoof or uncertain in this folder."
    ),
    rate: float = typer.Option(
        600.0, "--rate-per-minute", help="Requests per minute per client (0: no limit)."
    ),
    timeout: float = typer.Option(
        60.0, "--timeout", help="Seconds a recording may take to score (504 after)."
    ),
    cors: list[str] = typer.Option(
        [], "--cors-origin", help="Origin allowed to call the API from a browser (repeatable)."
    ),
    backend: str = backend_option(),
    audit_sync: str = typer.Option(
        "full",
        "--audit-sync",
        help="SQLite durability of the audit log: full (a commit survives power loss) or normal "
        "(it survives the server being killed, not a power cut).",
    ),
) -> None:
    """Serve POST /v1/score, /v1/score/batch, /v1/feedback, GET /v1/models, /metrics and a web
    page at /. Every request is in the audit database before it is answered."""
    import uvicorn
    from pydantic import ValidationError

    from spoofscope.errors import ConfigError
    from spoofscope.serving.app import create_app
    from spoofscope.serving.pool import model_version
    from spoofscope.serving.settings import Settings, read_token

    try:
        settings = Settings(
            model=model,
            token=read_token(token_file) if token_file else None,
            max_upload_bytes=int(max_upload_mb * 2**20),
            max_seconds=max_seconds,
            workers=workers,
            db_url=db,
            keep_suspicious=keep_suspicious,
            rate_per_minute=rate,
            request_timeout_s=timeout,
            cors_origins=cors,
            backend=backend,
            audit_sync=audit_sync,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "options"
        raise ConfigError(
            OPTIONS.get(field, "--" + field.replace("_", "-")),
            first["msg"].removeprefix("Value error, "),
        ) from None
    model_version(settings.model, settings.backend)  # a model that is not there fails in one line
    if not settings.token and host not in {"127.0.0.1", "localhost", "::1"}:
        err_console.print(
            f"warning: listening on {host} without --token-file: anyone who can reach it may "
            "use the API",
            markup=False,
        )
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


def attach(app: typer.Typer) -> None:
    app.command("serve")(serve)
