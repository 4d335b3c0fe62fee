"""A reader that goes away (``synthscape merge D | head -1``) ends the command quietly with 141.

The pipe's read end is closed before the command writes anything, so every write gets
EPIPE: the same thing ``head -1`` does after its first line, without the timing race.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from synthscape.batch.shard_run import RENDERER_ENV
from synthscape.batch.workers import CLI_MODULE
from tests.batch_support import FAKE, MINIMAL, REPO

EXIT_BROKEN_PIPE = 141


def cli_env() -> dict[str, str]:
    return {**os.environ, RENDERER_ENV: FAKE,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pipe") / "ds"
    done = subprocess.run([sys.executable, "-m", CLI_MODULE, "render", MINIMAL, "--out", str(out), "--frames", "2"],
                          env=cli_env(), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return out


def run_with_closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """Run the CLI with stdout a pipe that nobody reads any more."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", CLI_MODULE, *args], stdout=write_end, stderr=subprocess.PIPE,
                              env=cli_env(), cwd=REPO, text=True, timeout=300)
    finally:
        os.close(write_end)
    return proc


@pytest.mark.parametrize("command", ["merge", "status", "validate"])
def test_closed_stdout_exits_141_without_a_message(command: str, dataset: Path) -> None:
    target = MINIMAL if command == "validate" else str(dataset)
    result = run_with_closed_stdout(command, target)
    assert result.stderr == "", result.stderr  # no "internal error: BrokenPipeError", no traceback
    assert result.returncode == EXIT_BROKEN_PIPE


def test_merge_piped_to_head_prints_its_first_line_only(dataset: Path) -> None:
    shell = f"set -o pipefail; {sys.executable} -m {CLI_MODULE} merge {dataset} | head -1"
    result = subprocess.run(["bash", "-c", shell], env=cli_env(), cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert result.stdout.startswith("merged 2/2 frames") and result.stdout.count("\n") == 1, result.stdout
    assert result.stderr == "", result.stderr
    assert result.returncode in (0, EXIT_BROKEN_PIPE)
