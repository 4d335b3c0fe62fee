"""Batch rendering at scale: sharding, crash-safe resume, merge, local workers and Ray.

* :func:`resolve_shard` / :func:`shard_frames`: shard K of M renders frames ``i % M == K``
  (flags, Kubernetes Indexed Jobs, Slurm arrays, AWS Batch arrays).
* :func:`run_shard`: render one shard in this process, no merge (what every engine runs).
* :func:`merge_dataset`: COCO, KITTI ImageSets and ``dataset.json`` from the frame files.
* :func:`dataset_status`: frames done / missing / failed, per shard.
* :func:`run_local_workers`: N worker processes on this machine.
* :func:`synthscape.batch.ray_engine.run_ray`: one Ray task per shard (needs ``ray``).
"""

from synthscape.dataset.merge import MergeError, MergeResult, merge_dataset
from synthscape.dataset.resume import clean_stale_temp_files
from synthscape.dataset.run_record import RunRecord, RunRecordError, read_run_record, write_run_record
from synthscape.batch.shard_run import run_shard
from synthscape.dataset.prepare import prepare_output
from synthscape.dataset.sharding import ShardError, resolve_shard, shard_frames
from synthscape.dataset.status import DatasetStatus, dataset_status
from synthscape.batch.workers import WorkerError, WorkersResult, run_local_workers

__all__ = [
    "DatasetStatus", "MergeError", "MergeResult", "RunRecord", "RunRecordError", "ShardError", "WorkerError",
    "WorkersResult", "clean_stale_temp_files", "dataset_status", "merge_dataset", "prepare_output",
    "read_run_record", "resolve_shard", "run_local_workers", "run_shard", "shard_frames", "write_run_record",
]
