"""Shard resolution from flags and farm environments (Kubernetes, Slurm, AWS Batch)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.dataset.sharding import ShardError, resolve_shard, shard_frames

MINIMAL = str(Path(__file__).resolve().parents[1] / "scenes" / "minimal.yaml")


def test_flags_win_over_environment() -> None:
    env = {"JOB_COMPLETION_INDEX": "5", "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "9"}
    assert resolve_shard(1, 3, env) == (1, 3)


def test_no_flags_no_environment_is_the_whole_dataset() -> None:
    assert resolve_shard(None, None, {}) is None
    assert resolve_shard(None, 1, {}) is None


def test_kubernetes_index_with_count_from_flag_or_env() -> None:
    assert resolve_shard(None, 8, {"JOB_COMPLETION_INDEX": "3"}) == (3, 8)
    assert resolve_shard(None, None, {"JOB_COMPLETION_INDEX": "0", "SYNTHSCAPE_NUM_SHARDS": "2"}) == (0, 2)


def test_slurm_index_is_id_minus_min() -> None:
    env = {"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"}
    assert resolve_shard(None, None, env) == (3, 4)
    assert resolve_shard(None, None, {**env, "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_ID": "2"}) == (2, 4)


def test_aws_batch_array() -> None:
    env = {"AWS_BATCH_JOB_ARRAY_INDEX": "9", "AWS_BATCH_JOB_ARRAY_SIZE": "10"}
    assert resolve_shard(None, None, env) == (9, 10)


@pytest.mark.parametrize(("flags", "env", "words"), [
    ((None, None), {"JOB_COMPLETION_INDEX": "2"}, "--num-shards"),
    ((None, 2), {"JOB_COMPLETION_INDEX": "2"}, "outside 0..1"),
    ((None, None), {"SLURM_ARRAY_TASK_ID": "3"}, "SLURM_ARRAY_TASK_COUNT"),
    ((None, None), {"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"},
     "outside 0..3"),
    ((None, 3), {"AWS_BATCH_JOB_ARRAY_INDEX": "1", "AWS_BATCH_JOB_ARRAY_SIZE": "4"}, "disagrees"),
    ((None, None), {"AWS_BATCH_JOB_ARRAY_INDEX": "x1"}, "not an integer"),
    ((3, 3), {}, "outside 0..2"),
    ((0, None), {}, "needs --num-shards"),
    ((None, 4), {}, "without a shard index"),
])
def test_inconsistent_values_are_clear_errors(flags: tuple, env: dict, words: str) -> None:
    with pytest.raises(ShardError, match=words):
        resolve_shard(*flags, env)


@pytest.mark.parametrize("num_shards", [1, 2, 3, 7])
def test_shards_partition_the_frames(num_shards: int) -> None:
    parts = [shard_frames(range(20), k, num_shards) for k in range(num_shards)]
    assert sorted(i for part in parts for i in part) == list(range(20))
    assert all(i % num_shards == k for k, part in enumerate(parts) for i in part)


def test_cli_exits_2_on_inconsistent_environment(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("JOB_COMPLETION_INDEX", "3")
    result = CliRunner().invoke(main, ["render", MINIMAL, "--out", str(tmp_path / "d"),
                                       "--num-shards", "2"])
    assert result.exit_code == 2, result.output
    assert "JOB_COMPLETION_INDEX" in result.output and "outside 0..1" in result.output
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_cli_rejects_workers_with_shard_flags(tmp_path) -> None:
    result = CliRunner().invoke(main, ["render", MINIMAL, "--out", str(tmp_path / "d"),
                                       "--workers", "2", "--shard-index", "0", "--num-shards", "2"])
    assert result.exit_code == 2 and "--workers 2" in result.output
