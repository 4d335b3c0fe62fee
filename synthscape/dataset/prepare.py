"""Setting up a dataset folder before the first frame: writable, ``run.json`` recorded, leftovers removed."""

from __future__ import annotations

import os
from pathlib import Path

from synthscape.dataset.resume import clean_stale_temp_files, shard_owns
from synthscape.dataset.run_record import RunRecord, record_for_plan, write_run_record
from synthscape.errors import OutputDirError
from synthscape.plan import RunPlan


def check_output_dir(out_dir: Path) -> None:
    """Create ``out_dir`` and prove it is writable, before any rendering.

    Raises:
        OutputDirError: naming the folder and what to do.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputDirError(f"--out {out_dir}: cannot write there ({error.strerror or error}); "
                             "choose a folder you can write to") from None


def prepare_output(plan: RunPlan, num_shards: int = 1, shard_index: int | None = None) -> RunRecord:
    """Check the folder, write/verify ``run.json`` and remove this run's stale temp files.

    With ``shard_index`` None this process is the only writer and removes every temp
    file; a shard removes only its own frames' temp files.

    Raises:
        RecipeError, OutputDirError, RunRecordError: bad recipe, folder or mixed runs.
    """
    record = record_for_plan(plan, num_shards)
    check_output_dir(plan.out_dir)
    write_run_record(plan.out_dir, record)
    clean_stale_temp_files(plan.out_dir, None if shard_index is None else shard_owns(shard_index, num_shards))
    return record
