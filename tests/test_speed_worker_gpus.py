"""--workers N on a machine with GPUs: each worker gets its own GPU, never one by accident."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from synthscape.batch import gpus as gpus_module
from synthscape.batch.gpus import assign_gpus, visible_gpus
from synthscape.batch.workers import run_local_workers, worker_environment
from synthscape.errors import SynthscapeError
from synthscape.plan import RenderJob
from tests.batch_support import FAKE, MINIMAL


def test_visible_gpus_from_the_environment_or_nvidia_smi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "2,3"}) == ["2", "3"]
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": "-1"}) == []
    assert visible_gpus({"CUDA_VISIBLE_DEVICES": ""}) == []
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-a)'\necho 'GPU 1: NVIDIA H200 (UUID: GPU-b)'\n")
    smi.chmod(0o755)
    monkeypatch.setattr(gpus_module.shutil, "which", lambda name: str(smi))
    assert visible_gpus({}) == ["0", "1"]
    monkeypatch.setattr(gpus_module.shutil, "which", lambda name: None)
    assert visible_gpus({}) == []


def test_assignment_is_one_gpu_per_worker() -> None:
    assert assign_gpus(2, "auto", ["0", "1"]) == ["0", "1"]
    assert assign_gpus(2, "gpu", ["0", "0"]) == ["0", "0"]  # shared on purpose: listed twice
    assert assign_gpus(3, "cpu", ["0"]) == [None, None, None]
    assert assign_gpus(2, "auto", []) == [None, None]
    with pytest.raises(SynthscapeError, match="would share a GPU"):
        assign_gpus(3, "auto", ["0", "1"])


def test_worker_environment_shows_only_its_gpu() -> None:
    assert worker_environment({"CUDA_VISIBLE_DEVICES": "0,1"}, "1")["CUDA_VISIBLE_DEVICES"] == "1"
    assert worker_environment({"CUDA_VISIBLE_DEVICES": "0,1"})["CUDA_VISIBLE_DEVICES"] == "0,1"


def test_workers_start_with_distinct_gpus(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[str | None] = []
    real = subprocess.Popen

    def recording(cmd, *args, **kwargs):
        if "--shard-index" in cmd:  # a worker (not some helper process)
            seen.append(kwargs["env"].get("CUDA_VISIBLE_DEVICES"))
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recording)
    environ = {**os.environ, "SYNTHSCAPE_RENDERER": FAKE, "CUDA_VISIBLE_DEVICES": "4,7"}
    result = run_local_workers(RenderJob(MINIMAL, tmp_path / "ds", frames=2, device="auto"), 2, environ=environ)
    assert sorted(seen) == ["4", "7"] and result.merge is not None
    with pytest.raises(SynthscapeError, match="would share a GPU"):
        run_local_workers(RenderJob(MINIMAL, tmp_path / "ds2", frames=3, device="auto"), 3, environ=environ)
    assert not (tmp_path / "ds2").exists()  # refused before anything was written
