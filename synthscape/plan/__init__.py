"""The run plan: one object with every effective value of a run (see :mod:`.run_plan`)."""

from synthscape.plan.categories import CategorySpec, resolve_categories
from synthscape.plan.run_plan import RenderJob, RunPlan, camera_names, resolve_plan

__all__ = ["CategorySpec", "RenderJob", "RunPlan", "camera_names", "resolve_categories", "resolve_plan"]
