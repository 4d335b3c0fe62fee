"""A procedural car rendered by Cycles: its mask fills its projected bounds, its windows and tyres
stay dark while its body takes the material colour (the part colours reach the shader)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import open3d as o3d
import pytest
import trimesh

from synthscape.assets.procedural.cache import COLOR_ATTRIBUTE, procedural_mesh
from synthscape.assets.procedural.vehicles import BODY, GLASS, TYRE
from synthscape.spec.camera import intrinsics, look_at
from synthscape.spec.projection import (
    mask_edges,
    project_points,
    world_to_camera_points,
)
from synthscape.spec.scene_spec import (
    CameraSpec,
    CategorySpec,
    GroundSpec,
    LightSpec,
    MaterialSpec,
    ObjectSpec,
    RenderSpec,
    SceneSpec,
    WorldSpec,
)

pytestmark = pytest.mark.blender

WIDTH, HEIGHT = 64, 48
RED = MaterialSpec(base_color=(0.8, 0.05, 0.05), roughness=0.6)


def _scene(car) -> SceneSpec:
    k = intrinsics(WIDTH, HEIGHT, 50.0, 36.0)
    w2c = look_at(np.array((0.6, -9.0, 1.4)), np.array((0.0, 0.0, 0.75)))
    camera = CameraSpec(WIDTH, HEIGHT, 50.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())))
    obj = ObjectSpec(instance_id=1, category_id=1, shape="mesh", location=(0.0, 0.0, 0.0), rotation=(0.0, 0.0, 0.0),
                     scale=(1.0, 1.0, 1.0), material=RED, mesh_path=car.path, bbox_min=car.bbox_min,
                     bbox_max=car.bbox_max, color_attribute=COLOR_ATTRIBUTE, procedural={"kind": "car", **car.params})
    sun = LightSpec("sun", (0.0, -5.0, 8.0), (0.6, 0.0, 0.0), 3.0, (1.0, 1.0, 1.0), 6500.0)
    return SceneSpec(0, 0, camera, GroundSpec((30.0, 30.0), MaterialSpec((0.3, 0.3, 0.3))), (obj,), (sun,),
                     WorldSpec((0.6, 0.6, 0.6), 1.0), RenderSpec(samples=4, denoise=False), (CategorySpec(1, "car"),))


def _part_per_pixel(spec: SceneSpec, mesh: trimesh.Trimesh) -> np.ndarray:
    """(H, W, 4) the RGBA part colour of the car triangle each pixel centre's ray hits (0 alpha -1: none)."""
    k, w2c = np.asarray(spec.camera.K), np.asarray(spec.camera.world_to_camera)
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    pixels = np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)], axis=1)
    directions = (pixels @ np.linalg.inv(k).T) @ w2c[:3, :3]  # camera rays in the world frame
    origin = -w2c[:3, :3].T @ w2c[:3, 3]
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(o3d.core.Tensor(mesh.vertices.astype(np.float32)),
                        o3d.core.Tensor(mesh.faces.astype(np.uint32)))
    rays = np.hstack([np.tile(origin, (len(directions), 1)), directions]).astype(np.float32)
    hit = scene.cast_rays(o3d.core.Tensor(rays))["primitive_ids"].numpy().astype(np.int64)
    colours = np.full((len(hit), 4), -1, np.int64)
    found = hit != scene.INVALID_ID
    colours[found] = mesh.visual.vertex_colors[mesh.faces[hit[found], 0]]
    return colours.reshape(HEIGHT, WIDTH, 4)


@pytest.fixture(scope="module")
def rendered(renderer):
    import bpy

    car = procedural_mesh("car", {"body": "sedan"})
    spec = _scene(car)
    buffers = renderer.render(spec)
    attributes = [a.name for a in bpy.data.objects["object_0001"].data.color_attributes]
    return spec, car, buffers, attributes


def test_blender_imports_the_part_colours_under_the_recorded_name(rendered) -> None:
    *_, attributes = rendered
    assert COLOR_ATTRIBUTE in attributes


def test_the_car_mask_fills_its_projected_bounds(rendered) -> None:
    spec, car, buffers, _ = rendered
    corners = np.array(list(itertools.product(*zip(car.bbox_min, car.bbox_max))))
    camera_points = world_to_camera_points(np.asarray(spec.camera.world_to_camera), corners)
    uv = project_points(np.asarray(spec.camera.K), camera_points)
    projected = np.concatenate([uv.min(axis=0), uv.max(axis=0)])
    edges = mask_edges(buffers.instance == 1)
    assert edges is not None
    assert np.all(edges[:2] >= projected[:2] - 1.0) and np.all(edges[2:] <= projected[2:] + 1.0), (edges, projected)
    inter = np.prod(np.minimum(edges[2:], projected[2:]) - np.maximum(edges[:2], projected[:2]))
    union = np.prod(edges[2:] - edges[:2]) + np.prod(projected[2:] - projected[:2]) - inter
    assert inter / union >= 0.85, (edges, projected)


def test_windows_and_tyres_are_darker_than_the_body(rendered) -> None:
    spec, car, buffers, _ = rendered
    mesh = trimesh.load(car.path, process=False)
    parts = _part_per_pixel(spec, mesh)
    on_car = buffers.instance == 1
    luminance = buffers.rgb @ np.array([0.2126, 0.7152, 0.0722])

    def pixels(part) -> np.ndarray:
        return on_car & (parts == part.rgba_bytes().astype(np.int64)).all(axis=2)

    body, glass, tyre = pixels(BODY), pixels(GLASS), pixels(TYRE)
    assert body.sum() >= 30 and glass.sum() >= 8 and tyre.sum() >= 4, (body.sum(), glass.sum(), tyre.sum())
    assert luminance[glass].mean() < 0.5 * luminance[body].mean()
    assert luminance[tyre].mean() < 0.5 * luminance[body].mean()
    red = buffers.rgb[body].mean(axis=0)
    assert red[0] > 3 * red[1] and red[0] > 3 * red[2], f"the body takes the material's red, got {red}"
    glass_rgb = buffers.rgb[glass].mean(axis=0)
    assert glass_rgb[0] < 2 * max(glass_rgb[1], glass_rgb[2]) + 0.02, "glass is not tinted by the body colour"


def test_untinted_parts_keep_their_own_colour(renderer) -> None:
    """Alpha 0 parts (skin) ignore the material colour; alpha 1 parts (the shirt) take it."""
    from synthscape.assets.procedural.people import SHIRT, skin_color

    person = procedural_mesh("pedestrian", {"pose": "standing", "height": 1.8, "skin": 0.1})
    spec = _scene(person)
    k = intrinsics(WIDTH, HEIGHT, 50.0, 36.0)
    w2c = look_at(np.array((5.0, -0.5, 1.2)), np.array((0.0, 0.0, 0.95)))  # facing the person (+X)
    camera = CameraSpec(WIDTH, HEIGHT, 50.0, 36.0, tuple(map(tuple, k.tolist())), tuple(map(tuple, w2c.tolist())))
    blue = MaterialSpec(base_color=(0.05, 0.1, 0.8), roughness=0.8)
    obj = dataclasses.replace(spec.objects[0], material=blue, procedural={"kind": "pedestrian", **person.params})
    spec = dataclasses.replace(spec, camera=camera, objects=(obj,))
    buffers = renderer.render(spec)
    parts = _part_per_pixel(spec, trimesh.load(person.path, process=False))
    on_person = buffers.instance == 1

    def mean_rgb(part) -> np.ndarray:
        chosen = on_person & (parts == part.rgba_bytes().astype(np.int64)).all(axis=2)
        assert chosen.sum() >= 4, part.name
        return buffers.rgb[chosen].mean(axis=0)

    skin, shirt = mean_rgb(skin_color(0.1)), mean_rgb(SHIRT)
    assert skin[0] > 1.5 * skin[2], f"skin stays skin-coloured under a blue material, got {skin}"
    assert shirt[2] > 2 * shirt[0], f"the shirt takes the blue material, got {shirt}"
