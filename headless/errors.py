"""How the CLI reports errors: one readable line and an exit code, never a traceback."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn

import click

from synthscape.errors import SynthscapeError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 128 + signal.SIGINT
"""130, as a shell reports a command stopped by Ctrl-C."""
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
"""141, as a shell reports a command whose reader went away (``synthscape merge D | head -1``)."""


def exit_quietly_on_broken_pipe() -> NoReturn:
    """The reader of stdout is gone: exit 141 with no message, like ``cat`` or ``grep``.

    stdout is pointed at /dev/null first, so the interpreter's final flush of what is
    still buffered cannot fail again ("Exception ignored ... BrokenPipeError").
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test runner's capture)
        pass
    sys.exit(EXIT_BROKEN_PIPE)


def flush_stdout() -> None:
    """Flush stdout at the end of a command, treating a vanished reader like :func:`friendly_errors`."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        exit_quietly_on_broken_pipe()


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input errors into one readable message and exit 2; anything else exits 1.

    A closed stdout pipe exits 141 quietly; Ctrl-C outside a render's own handling
    (or a second Ctrl-C that aborts a render) exits 130.
    """

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SynthscapeError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except BrokenPipeError:
            exit_quietly_on_broken_pipe()
        except KeyboardInterrupt:
            click.echo("\naborted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence of the CLI
            logging.getLogger("synthscape").debug("internal error", exc_info=True)
            click.echo(f"internal error: {type(error).__name__}: {error}\n"
                       "Run again with --verbose for a traceback, and please report it.", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper
