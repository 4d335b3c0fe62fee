"""Distractors (``label: false``): sampled like objects, kept apart from them, never annotated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from synthscape.batch.fake_renderer import FakeRenderer
from synthscape.errors import RecipeError
from synthscape.io.images import read_png
from synthscape.pipeline import render_dataset
from synthscape.plan.run_plan import RenderJob
from synthscape.recipe.load import parse_recipe
from synthscape.spec.sample import sample_scene
from synthscape.spec.scene_spec import spec_from_dict, spec_to_dict, spec_to_json
from synthscape.writers.meta import spec_from_meta

LABELLED = [{"category": "box", "shape": "cube", "count": 3, "scale": 0.1},
            {"category": "ball", "shape": "sphere", "count": {"randint": [1, 3]}, "scale": 0.08}]
CLUTTER = {"category": "clutter", "shape": "torus", "count": 4, "scale": 0.1, "label": False,
           "orientation": "uniform"}


def _recipe(groups: list[dict], **top) -> object:
    return parse_recipe({"objects": groups, "placement": {"area": [2.0, 2.0]}, **top})


def test_distractors_get_their_own_ids_no_category_and_no_labelled_stream():
    spec = sample_scene(_recipe([*LABELLED, CLUTTER]), 4, 0)
    assert [c.name for c in spec.categories] == ["box", "ball"]
    assert [d.instance_id for d in spec.distractors] == [1, 2, 3, 4]
    assert all(d.category_id == 0 and d.shape == "torus" for d in spec.distractors)
    assert [o.instance_id for o in spec.objects] == list(range(1, len(spec.objects) + 1))
    mapping = spec.instance_to_category()  # what the semantic map and every writer go by
    assert set(mapping) == {0, *range(1, len(spec.objects) + 1)} and all(mapping[i] >= 1 for i in mapping if i)


@pytest.mark.parametrize("mode", ["footprint", "collision_free"])
def test_adding_distractors_moves_no_labelled_object(mode):
    placement = {"area": [2.0, 2.0], "mode": mode, "min_gap": 0.0}
    plain = parse_recipe({"objects": LABELLED, "placement": placement})
    cluttered = parse_recipe({"objects": [CLUTTER, *LABELLED, CLUTTER], "placement": placement})
    for frame in range(5):
        a, b = sample_scene(plain, 9, frame), sample_scene(cluttered, 9, frame)
        assert a.objects == b.objects
        assert len(b.distractors) == 8 and not a.distractors


def test_a_category_labelled_by_another_group_stays_listed():
    spec = sample_scene(_recipe([*LABELLED, {**CLUTTER, "category": "box"}]), 4, 0)
    assert [c.name for c in spec.categories] == ["box", "ball"]
    assert all(d.category_id == 0 for d in spec.distractors)


def test_distractors_survive_the_spec_json_round_trip():
    spec = sample_scene(_recipe([*LABELLED, CLUTTER]), 4, 2)
    again = spec_from_dict(json.loads(spec_to_json(spec)))
    assert again.distractors == tuple(spec_from_dict(spec_to_dict(spec)).distractors)
    assert spec_to_json(again) == spec_to_json(spec)
    assert len(again.distractors) == 4


def test_kitti_type_on_a_distractor_group_is_refused():
    with pytest.raises(RecipeError) as error:
        _recipe([*LABELLED, {**CLUTTER, "kitti_type": "Car"}])
    assert "objects[2]" in str(error.value) and "label: false" in str(error.value)


def _write_recipe(tmp_path: Path, distractor_x: float) -> str:
    """One labelled cube and a distractor sphere between it and the camera (off to the side at x = 5)."""
    recipe = {
        "objects": [{"category": "box", "shape": "cube", "scale": 0.3, "location": [0, 0, 0.3]},
                    {"category": "clutter", "shape": "sphere", "scale": 0.08, "label": False,
                     "location": [distractor_x, -1.5, 0.3]}],
        "camera": {"resolution": [64, 48], "location": [0, -3, 0.3], "target": [0, 0, 0.3], "target_jitter": 0},
        "outputs": ["rgb", "instance", "semantic", "meta", "coco", "yolo"],
        "render": {"samples": 1, "min_pixel_area": 1},
    }
    path = tmp_path / f"scene_{distractor_x}.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return str(path)


def _render(tmp_path: Path, distractor_x: float) -> Path:
    out = tmp_path / f"out_{distractor_x}"
    render_dataset(RenderJob(_write_recipe(tmp_path, distractor_x), out, frames=1), renderer_factory=FakeRenderer)
    return out


def test_the_writers_never_see_distractors_but_the_masks_do(tmp_path):
    """The fake renderer draws the distractor in front of the cube: it cuts the cube's mask, adds nothing."""
    clear, occluded = _render(tmp_path, 5.0), _render(tmp_path, 0.05)
    masks = {name: read_png(out / "instance" / "000000.png") for name, out in (("clear", clear),
                                                                                ("occluded", occluded))}
    assert set(np.unique(masks["occluded"])) <= {0, 1}
    assert 0 < (masks["occluded"] == 1).sum() < (masks["clear"] == 1).sum()
    for out in (clear, occluded):
        coco = json.loads((out / "coco" / "annotations.json").read_text())
        assert [c["name"] for c in coco["categories"]] == ["box"]
        assert len(coco["annotations"]) == 1 and coco["annotations"][0]["category_id"] == 1
        labels = (out / "yolo" / "labels" / "000000.txt").read_text().splitlines()
        assert len(labels) == 1
        meta = json.loads((out / "meta" / "000000.json").read_text())
        assert [o["instance_id"] for o in meta["objects"]] == [1]
        assert [d["shape"] for d in meta["distractors"]] == ["sphere"]
        assert spec_from_meta(meta).distractors[0].location == tuple(meta["distractors"][0]["location"])
    area = {name: json.loads((out / "coco" / "annotations.json").read_text())["annotations"][0]["area"]
            for name, out in (("clear", clear), ("occluded", occluded))}
    assert area["occluded"] == (masks["occluded"] == 1).sum() < area["clear"]
