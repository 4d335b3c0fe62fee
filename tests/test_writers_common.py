"""Synthetic scene spec + frame buffers shared by the writer tests (no Blender)."""

from __future__ import annotations

import numpy as np

from synthscape.buffers import FrameBuffers
from synthscape.spec.scene_spec import (CameraSpec, CategorySpec, GroundSpec, LightSpec, MaterialSpec, ObjectSpec,
                                        RenderSpec, SceneSpec, WorldSpec)

WIDTH, HEIGHT = 64, 48
MIN_AREA = 16
CATEGORIES = (CategorySpec(1, "box", "Car"), CategorySpec(2, "ball"))


def make_spec(frame_index: int = 0, dataset_seed: int = 7) -> SceneSpec:
    """A 64x48 frame with four objects: 1 box, 2 ball, 3 tiny box, 4 ball (not visible)."""
    f = 50.0
    K = ((f, 0.0, WIDTH / 2 - 0.5), (0.0, f, HEIGHT / 2 - 0.5), (0.0, 0.0, 1.0))
    w2c = ((1.0, 0.0, 0.0, 0.0), (0.0, 0.0, -1.0, 1.5), (0.0, 1.0, 0.0, 4.0), (0.0, 0.0, 0.0, 1.0))
    objects = tuple(
        ObjectSpec(instance_id=i, category_id=c, shape=s, location=(0.1 * i, 0.2, 0.5), rotation=(0.0, 0.0, 0.3 * i),
                   scale=(0.5, 0.5, 0.5), material=MaterialSpec(base_color=(0.1 * i, 0.5, 0.2), roughness=0.4))
        for i, c, s in ((1, 1, "cube"), (2, 2, "sphere"), (3, 1, "cube"), (4, 2, "sphere")))
    return SceneSpec(
        frame_index=frame_index, dataset_seed=dataset_seed,
        camera=CameraSpec(width=WIDTH, height=HEIGHT, focal_length_mm=35.0, sensor_width_mm=36.0, K=K,
                          world_to_camera=w2c),
        ground=GroundSpec(size=(4.0, 4.0), material=MaterialSpec()),
        objects=objects,
        lights=(LightSpec("sun", (0.0, 0.0, 5.0), (0.1, 0.2, 0.0), 3.0, (1.0, 0.9, 0.8), 5500.0),),
        world=WorldSpec(), render=RenderSpec(samples=1, min_pixel_area=MIN_AREA), categories=CATEGORIES)


def make_instance() -> np.ndarray:
    """(48, 64) uint16: a box (1) partly hidden by a disk (2) drawn over it, and a 3x3 speck (3)."""
    inst = np.zeros((HEIGHT, WIDTH), dtype=np.uint16)
    inst[5:26, 5:31] = 1
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    inst[(yy - 28) ** 2 + (xx - 36) ** 2 <= 12 ** 2] = 2
    inst[40:43, 55:58] = 3
    return inst


def make_buffers(seed: int = 0) -> FrameBuffers:
    """Synthetic passes: linear RGB, depth with sky (inf) and far (> 256 m) pixels, unit normals."""
    rng = np.random.default_rng(seed)
    inst = make_instance()
    rgb = rng.uniform(0.0, 1.0, (HEIGHT, WIDTH, 3)).astype(np.float32)
    depth = rng.uniform(0.3, 80.0, (HEIGHT, WIDTH)).astype(np.float32)
    depth[:3] = np.inf
    depth[3, :8] = 300.0
    normal = rng.normal(size=(HEIGHT, WIDTH, 3)).astype(np.float32)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    return FrameBuffers(rgb=rgb, depth=depth, normal=normal, instance=inst)


def test_synthetic_scene_has_overlap_speck_and_hidden_object() -> None:
    inst = make_instance()
    counts = dict(zip(*np.unique(inst, return_counts=True)))
    assert counts[3] < MIN_AREA <= min(counts[1], counts[2])
    assert 4 not in counts and 4 in make_spec().instance_to_category()
    box = np.zeros_like(inst, dtype=bool)
    box[5:26, 5:31] = True
    assert (box & (inst == 2)).any() and (box & (inst == 1)).sum() < box.sum()
