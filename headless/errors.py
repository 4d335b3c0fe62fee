"""How the CLI reports errors: one readable line and an exit code, never a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from synthscape.errors import SynthscapeError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input errors into one readable message and exit 2; anything else exits 1."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SynthscapeError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - the last line of defence of the CLI
            logging.getLogger("synthscape").debug("internal error", exc_info=True)
            click.echo(f"internal error: {type(error).__name__}: {error}\n"
                       "Run again with --verbose for a traceback, and please report it.", err=True)
            sys.exit(EXIT_INTERNAL)

    return wrapper
