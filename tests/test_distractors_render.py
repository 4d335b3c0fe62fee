"""Distractors in Cycles: they render and occlude, label as background, and are instance 0 in the scene mesh."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from synthscape.recipe.load import parse_recipe
from synthscape.spec.sample import sample_scene
from synthscape.writers.coco import coco_frame_fragment

pytestmark = pytest.mark.blender

SPHERE_TRIANGLES = 960
"""Triangles of Blender's UV sphere (32 x 16): 32 x 14 quads and 2 x 32 pole triangles."""


@pytest.fixture(scope="module")
def specs():
    """One labelled cube seen head-on; a distractor sphere half in front of it, or none."""
    recipe = parse_recipe({
        "objects": [{"category": "box", "shape": "cube", "scale": 0.3, "location": [0, 0, 0.3], "kitti_type": "Car",
                     "material": {"base_color": [0.8, 0.1, 0.1]}},
                    {"category": "clutter", "shape": "sphere", "scale": 0.15, "label": False,
                     "location": [0.15, -1.2, 0.3], "material": {"base_color": [0.1, 0.1, 0.9]}}],
        "camera": {"resolution": [64, 48], "location": [0, -3, 0.3], "target": [0, 0, 0.3], "target_jitter": 0},
        "lights": [{"type": "sun", "intensity": 3.0, "elevation": 60}],
        "render": {"samples": 1, "denoise": False, "min_pixel_area": 1}})
    with_distractor = sample_scene(recipe, 0, 0)
    assert len(with_distractor.distractors) == 1 and with_distractor.wants_scene_mesh()
    return with_distractor, dataclasses.replace(with_distractor, distractors=())


@pytest.fixture(scope="module")
def renders(renderer, specs):
    return tuple(renderer.render(spec) for spec in specs)


def test_a_distractor_in_front_cuts_the_mask_and_adds_no_annotation(specs, renders):
    (cluttered, plain), (occluded, clear) = specs, renders
    assert set(np.unique(occluded.instance)) == {0, 1}
    visible, whole = int((occluded.instance == 1).sum()), int((clear.instance == 1).sum())
    assert 0 < visible < whole - 20
    hidden = (clear.instance == 1) & (occluded.instance == 0)
    rgb = np.asarray(occluded.rgb)[hidden]
    assert rgb[:, 2].mean() > rgb[:, 0].mean(), "the hidden pixels show the blue distractor"
    fragment = coco_frame_fragment(cluttered, occluded, "rgb/000000.png")
    assert [(a["category_id"], a["area"]) for a in fragment["annotations"]] == [(1, visible)]
    assert coco_frame_fragment(plain, clear, "rgb/000000.png")["annotations"][0]["area"] == whole


def test_the_scene_mesh_holds_the_distractor_as_background(renders):
    occluded, clear = renders
    background = [int((r.mesh.triangle_instance == 0).sum()) for r in (occluded, clear)]
    assert background[0] - background[1] == SPHERE_TRIANGLES
    assert int((occluded.mesh.triangle_instance == 1).sum()) == int((clear.mesh.triangle_instance == 1).sum()) > 0


def test_blender_names_distractors_in_their_own_id_space(renderer, specs):
    import bpy

    renderer.build(specs[0])
    names = {o.name: o.pass_index for o in bpy.data.objects if o.type == "MESH"}
    assert names.get("distractor_0001") == 0 and names.get("object_0001") == 1


def test_a_next_frame_leaves_no_distractor_behind(renderer, specs):
    import bpy

    from synthscape.blender.scene_builder import datablock_counts

    renderer.build(specs[1])
    plain = datablock_counts()
    for _ in range(2):
        renderer.build(specs[0])
        renderer.build(specs[1])
    assert not [o.name for o in bpy.data.objects if o.name.startswith("distractor_")]
    assert datablock_counts() == plain
