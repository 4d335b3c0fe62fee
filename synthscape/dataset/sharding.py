"""Deterministic sharding: shard ``K`` of ``M`` renders the frames ``i`` with ``i mod M == K``.

The shard comes from the ``--shard-index``/``--num-shards`` flags, or else from the
environment of the engine that started the process:

* Kubernetes Indexed Jobs: ``JOB_COMPLETION_INDEX`` (the count is not in the pod's
  environment: give ``--num-shards`` or ``SYNTHSCAPE_NUM_SHARDS``);
* Slurm job arrays: ``SLURM_ARRAY_TASK_ID``, ``SLURM_ARRAY_TASK_COUNT`` and
  ``SLURM_ARRAY_TASK_MIN`` (index = id - min, so ``--array=1-8`` works);
* AWS Batch array jobs: ``AWS_BATCH_JOB_ARRAY_INDEX``, ``AWS_BATCH_JOB_ARRAY_SIZE``.

Because frame ``i`` is sampled from ``SeedSequence([seed, i])`` alone, the union of the
shards is the same dataset as a single-process run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from synthscape.errors import SynthscapeError

NUM_SHARDS_ENV = "SYNTHSCAPE_NUM_SHARDS"


class ShardError(SynthscapeError):
    """Shard flags or environment variables that do not describe a valid shard."""


def _env_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise ShardError(f"environment variable {name}={raw!r} is not an integer; "
                         "unset it or set it to the shard number") from None


def _check(index: int, count: int, source: str) -> tuple[int, int]:
    if count < 1:
        raise ShardError(f"{source}: the number of shards must be >= 1, got {count}")
    if not 0 <= index < count:
        raise ShardError(f"{source}: shard index {index} is outside 0..{count - 1} "
                         f"for {count} shard(s); the index counts from 0")
    return index, count


def _kubernetes(environ: Mapping[str, str], num_shards: int | None) -> tuple[int, int] | None:
    index = _env_int(environ, "JOB_COMPLETION_INDEX")
    if index is None:
        return None
    count = num_shards if num_shards is not None else _env_int(environ, NUM_SHARDS_ENV)
    if count is None:
        raise ShardError(f"JOB_COMPLETION_INDEX={index} (Kubernetes Indexed Job) but no shard count: "
                         f"pass --num-shards equal to the Job's spec.completions, or set {NUM_SHARDS_ENV}")
    return _check(index, count, "Kubernetes Indexed Job (JOB_COMPLETION_INDEX)")


def _slurm(environ: Mapping[str, str], num_shards: int | None) -> tuple[int, int] | None:
    task_id = _env_int(environ, "SLURM_ARRAY_TASK_ID")
    if task_id is None:
        return None
    count = _env_int(environ, "SLURM_ARRAY_TASK_COUNT")
    if count is None:
        raise ShardError(f"SLURM_ARRAY_TASK_ID={task_id} without SLURM_ARRAY_TASK_COUNT; "
                         "submit with sbatch --array=0-N (Slurm >= 20 sets both)")
    minimum = _env_int(environ, "SLURM_ARRAY_TASK_MIN") or 0
    return _agree(_check(task_id - minimum, count, "Slurm array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN)"),
                  num_shards, "SLURM_ARRAY_TASK_COUNT")


def _aws_batch(environ: Mapping[str, str], num_shards: int | None) -> tuple[int, int] | None:
    index = _env_int(environ, "AWS_BATCH_JOB_ARRAY_INDEX")
    if index is None:
        return None
    count = _env_int(environ, "AWS_BATCH_JOB_ARRAY_SIZE")
    if count is None:
        count = num_shards if num_shards is not None else _env_int(environ, NUM_SHARDS_ENV)
    if count is None:
        raise ShardError(f"AWS_BATCH_JOB_ARRAY_INDEX={index} without AWS_BATCH_JOB_ARRAY_SIZE; "
                         "pass --num-shards equal to the array size")
    return _agree(_check(index, count, "AWS Batch array (AWS_BATCH_JOB_ARRAY_INDEX)"),
                  num_shards, "AWS_BATCH_JOB_ARRAY_SIZE")


def _agree(shard: tuple[int, int], num_shards: int | None, variable: str) -> tuple[int, int]:
    if num_shards is not None and num_shards != shard[1]:
        raise ShardError(f"--num-shards {num_shards} disagrees with {variable}={shard[1]}; "
                         "drop --num-shards (the array size is used) or make them equal")
    return shard


def resolve_shard(shard_index: int | None, num_shards: int | None,
                  environ: Mapping[str, str]) -> tuple[int, int] | None:
    """The shard ``(K, M)`` this process renders, or None for the whole dataset.

    Flags win over the environment. Without flags the first engine found decides, in
    the order Kubernetes, Slurm, AWS Batch.

    Args:
        shard_index: ``--shard-index`` (None when not given).
        num_shards: ``--num-shards`` (None when not given).
        environ: the process environment (``os.environ``).

    Raises:
        ShardError: an index without a count, an index out of range, a non-integer
            variable, or flags that contradict the engine's array size.
    """
    if shard_index is not None:
        if num_shards is None:
            count = _env_int(environ, NUM_SHARDS_ENV)
            if count is None:
                raise ShardError(f"--shard-index {shard_index} needs --num-shards (or {NUM_SHARDS_ENV})")
            return _check(shard_index, count, f"--shard-index {shard_index} with {NUM_SHARDS_ENV}={count}")
        return _check(shard_index, num_shards, f"--shard-index {shard_index} --num-shards {num_shards}")
    for detect in (_kubernetes, _slurm, _aws_batch):
        shard = detect(environ, num_shards)
        if shard is not None:
            return shard
    if num_shards is not None and num_shards != 1:
        raise ShardError(f"--num-shards {num_shards} without a shard index: pass --shard-index K, run inside "
                         "a Kubernetes Indexed Job / Slurm array / AWS Batch array, or use --workers "
                         f"{num_shards} to run all shards on this machine")
    return None


def shard_frames(frame_indices: Sequence[int] | range, shard_index: int, num_shards: int) -> list[int]:
    """The frames of ``frame_indices`` that belong to shard ``shard_index`` of ``num_shards``."""
    _check(shard_index, num_shards, "shard_frames")
    return [int(i) for i in frame_indices if int(i) % num_shards == shard_index]


def shard_of(frame_index: int, num_shards: int) -> int:
    """The shard a frame belongs to."""
    return int(frame_index) % num_shards
