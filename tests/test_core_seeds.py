"""Core v2: each sampler stage draws from its own child seed (no bpy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from synthscape.pipeline import plan_run
from synthscape.plan import RenderJob
from synthscape.spec.sample import SAMPLER_STAGES, FrameDraft, sample_frame
from synthscape.spec.scene_spec import spec_to_dict
from synthscape.spec.seeds import stage_rng, stage_word
from tests.conftest import SCENES


def _plan(tmp_path: Path, recipe: str = "tabletop.yaml", edit=None):
    data = yaml.safe_load((SCENES / recipe).read_text())
    if edit is not None:
        edit(data)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "r.yaml"
    path.write_text(yaml.safe_dump(data))
    return plan_run(RenderJob(str(path), tmp_path))


def test_stage_words_are_stable_and_distinct() -> None:
    words = {stage_word(name) for name in ("camera", "rig", "objects", "materials", "textures", "lights",
                                           "world", "ground", "sensors")}
    assert len(words) == 9
    a = stage_rng(3, 5, "lights").random(4)
    assert np.array_equal(a, stage_rng(3, 5, "lights").random(4))
    assert not np.array_equal(a, stage_rng(3, 5, "world").random(4))
    assert not np.array_equal(a, stage_rng(3, 6, "lights").random(4))


def test_a_new_stage_leaves_every_other_stage_unchanged(tmp_path: Path) -> None:
    plan = _plan(tmp_path)

    def dummy(draft: FrameDraft) -> None:
        draft.extras["dummy"] = float(draft.rng("dummy").random())

    first = {"dummy": dummy, **SAMPLER_STAGES}
    last = {**SAMPLER_STAGES, "dummy": dummy}
    for frame in range(4):
        base = spec_to_dict(sample_frame(plan, frame))
        for stages in (first, last):
            changed = spec_to_dict(sample_frame(plan, frame, stages=stages))
            assert changed.pop("extras") == {"dummy": changed_dummy(plan, frame)}
            base_copy = dict(base)
            base_copy.pop("extras")
            assert changed == base_copy


def changed_dummy(plan, frame: int) -> float:
    return round(float(stage_rng(plan.seed, frame, "dummy").random()), 9)


def test_more_objects_do_not_move_camera_lights_world_or_ground(tmp_path: Path) -> None:
    base = _plan(tmp_path)

    def add_group(data: dict) -> None:
        data["objects"].append({"category": "extra", "shape": "cube", "count": 2, "scale": 0.01})

    more = _plan(tmp_path / "more", edit=add_group)
    for frame in range(3):
        a, b = sample_frame(base, frame), sample_frame(more, frame)
        assert a.camera == b.camera and a.lights == b.lights and a.world == b.world and a.ground == b.ground


def test_a_material_option_changes_only_that_group(tmp_path: Path) -> None:
    """Adding noise to one group's material leaves every other object's material unchanged."""
    base = _plan(tmp_path)

    def add_noise(data: dict) -> None:
        data["objects"][0]["material"]["noise"] = {"scale": 5.0, "strength": 0.3}

    noisy = _plan(tmp_path / "noisy", edit=add_noise)
    first_category = base.recipe.objects[0].category
    first_id = next(c.id for c in base.categories if c.name == first_category)
    for frame in range(3):
        a, b = sample_frame(base, frame), sample_frame(noisy, frame)
        assert [o.location for o in a.objects] == [o.location for o in b.objects]
        for oa, ob in zip(a.objects, b.objects):
            if oa.category_id == first_id:
                assert ob.material.noise_scale == 5.0
            else:
                assert oa.material == ob.material


def test_frames_are_independent_of_order_and_process(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    forward = [spec_to_dict(sample_frame(plan, i)) for i in range(5)]
    backward = [spec_to_dict(sample_frame(plan, i)) for i in reversed(range(5))][::-1]
    assert forward == backward
