"""The `spoofscope` command: a thin layer over the library.

Each module of :mod:`spoofscope.cli` holds one command group and exposes ``attach(app)``; this module
finds them, so adding a command needs no edit here. Library errors become one ``error:`` line and exit
code 2 (see docs/architecture.md, "Errors").
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from spoofscope.errors import SpoofscopeError

app = typer.Typer(
    name="spoofscope",
    help="Tell real speech from synthetic or converted speech.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _attach_commands() -> None:
    package = importlib.import_module("spoofscope.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in {"app", "common", "launch"}:
            continue
        module = importlib.import_module(f"spoofscope.cli.{info.name}")
        module.attach(app)


@app.callback()
def _root() -> None:
    """Tell real speech from synthetic or converted speech."""


_attach_commands()


def _error(message: str) -> None:
    """Write ``error: <message>`` to stderr as exactly one line.

    Written to sys.stderr, not through rich, so no terminal width ever wraps it; line breaks inside
    the message (a multi-line reason) become spaces, so a script reading stderr sees one line.
    """
    sys.stderr.write("error: " + " ".join(message.splitlines()) + "\n")


def _warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings as one ``warning: <message>`` line, without the source line Python adds."""
    sys.stderr.write("warning: " + " ".join(str(message).splitlines()) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 some items failed, 2 bad input)."""
    import warnings

    warnings.showwarning = _warning
    try:
        result = app(args=argv, standalone_mode=False)
    except SpoofscopeError as exc:
        _error(str(exc))
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        _error("aborted")
        return 130
    except Exception as exc:
        # Usage errors are click exceptions; recent typer vendors click, so test by behaviour.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            _error(exc.format_message())
            return 2
        raise
    return int(result) if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
