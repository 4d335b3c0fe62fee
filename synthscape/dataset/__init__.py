"""The dataset folder on disk: run record, lock, completion markers, resume, status and merge.

* :func:`prepare_output`: check the folder, record ``run.json``, remove a killed run's leftovers.
* :func:`hold_output_lock`: one live run (or one set of shards) per folder.
* :func:`dataset_status`: frames done / missing / failed / damaged, per shard; merged or stale.
* :func:`merge_dataset`: every output's dataset-level files, then ``dataset.json``.
* :func:`shard_frames` / :func:`resolve_shard`: shard K of M owns frames ``i % M == K``.

Below the pipeline and above the writers: it knows files, never Blender or the renderer.
"""

from synthscape.dataset.lock import OutputLockedError, hold_output_lock
from synthscape.dataset.merge import MergeError, MergeResult, merge_dataset
from synthscape.dataset.prepare import check_output_dir, prepare_output
from synthscape.dataset.resume import clean_stale_temp_files
from synthscape.dataset.run_record import RunRecord, RunRecordError, read_run_record, write_run_record
from synthscape.dataset.sharding import ShardError, resolve_shard, shard_frames
from synthscape.dataset.status import DatasetStatus, dataset_status

__all__ = [
    "DatasetStatus", "MergeError", "MergeResult", "OutputLockedError", "RunRecord", "RunRecordError",
    "ShardError", "check_output_dir", "clean_stale_temp_files", "dataset_status", "hold_output_lock",
    "merge_dataset", "prepare_output", "read_run_record", "resolve_shard", "shard_frames", "write_run_record",
]
