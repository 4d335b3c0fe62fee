"""PBR texture sets in Blender: node layout, colour spaces, material reuse, LiDAR colour and a tiny render."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from synthscape.assets.materials import color_map_mean
from synthscape.lidar.mesh import luminance
from synthscape.spec.scene_spec import MaterialSpec, PbrMaps, TextureMapping
from tests.test_blender_render import _obj, _spec
from tests.test_materials_lib_discovery import write_map

pytestmark = pytest.mark.blender

ROLES = ("Color", "Roughness", "Normal", "Metalness", "Displacement", "AO")


def _maps(folder: Path, name: str, colour: tuple[int, int, int], convention: str = "gl",
          roles: tuple[str, ...] = ROLES) -> PbrMaps:
    paths = {role: str(write_map(folder / f"{name}_{role}.png", colour if role == "Color" else 200))
             for role in roles}
    return PbrMaps(set_name=name, color=paths["Color"], roughness=paths.get("Roughness"),
                   normal=paths.get("Normal"), normal_convention=convention, metalness=paths.get("Metalness"),
                   displacement=paths.get("Displacement"), ao=paths.get("AO"),
                   color_mean=color_map_mean(paths["Color"]))


def _material(pbr: PbrMaps | None, base: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> MaterialSpec:
    return MaterialSpec(base_color=base, roughness=0.5, pbr=pbr, texture_mapping=TextureMapping("box", 2.0))


def test_nodes_colour_spaces_and_directx_flip(tmp_path: Path) -> None:
    import bpy

    from synthscape.blender.materials import build_material

    for convention, flips in (("gl", 0), ("dx", 1)):
        material = build_material(_material(_maps(tmp_path, f"Set{convention}", (0, 200, 0), convention)), "m")
        nodes = material.node_tree.nodes
        assert sum(n.type == "VECT_MATH" and n.operation == "MULTIPLY_ADD" for n in nodes) == flips
        assert nodes["synthscape_pbr_color"].image.colorspace_settings.name == "sRGB"
        for role in ("roughness", "normal", "metalness", "displacement", "ao"):
            assert nodes[f"synthscape_pbr_{role}"].image.colorspace_settings.name == "Non-Color", role
        bsdf = nodes["synthscape_bsdf"]
        assert all(bsdf.inputs[s].is_linked for s in ("Base Color", "Roughness", "Metallic", "Normal"))
        assert nodes["synthscape_pbr_bump"].inputs["Normal"].is_linked   # normal map feeds the bump
        bpy.data.materials.remove(material)


def test_reuse_updates_a_same_layout_and_refuses_another(tmp_path: Path) -> None:
    import bpy

    from synthscape.blender.materials import build_material, update_material

    first, second = _maps(tmp_path, "A", (200, 0, 0)), _maps(tmp_path, "B", (0, 0, 200))
    material = build_material(_material(first), "m")
    assert update_material(material, _material(second))
    assert material.node_tree.nodes["synthscape_pbr_color"].image.filepath == second.color
    assert not update_material(material, _material(dataclasses.replace(second, normal_convention="dx")))
    assert not update_material(material, _material(_maps(tmp_path, "C", (9, 9, 9), roles=("Color",))))
    assert not update_material(material, _material(None))
    bpy.data.materials.remove(material)


def test_lidar_colour_is_base_colour_times_the_colour_map_mean(tmp_path: Path) -> None:
    import bpy

    from synthscape.blender.materials import build_material
    from synthscape.blender.mesh_export import material_reflectivity

    pbr = _maps(tmp_path, "Dark", (40, 40, 40))
    mesh = bpy.data.meshes.new("m")
    obj = bpy.data.objects.new("o", mesh)
    obj.data.materials.append(build_material(_material(pbr, base=(0.8, 0.6, 0.4)), "m"))
    expected = luminance(tuple(b * m for b, m in zip((0.8, 0.6, 0.4), pbr.color_mean)))
    assert material_reflectivity(obj) == pytest.approx(expected, rel=1e-5) and expected < 0.05
    bpy.data.objects.remove(obj)


def test_the_colour_map_shows_in_the_rgb_and_labels_are_unchanged(renderer, tmp_path: Path) -> None:
    pbr = _maps(tmp_path, "Green", (20, 220, 20))
    flat = dataclasses.replace(pbr, normal_strength=0.0, bump_strength=0.0)
    plain = _spec((_obj(1, "cube", 0.0, _material(None)),))
    grey, green, green_flat, grey_again = (renderer.render(_spec((_obj(1, "cube", 0.0, _material(maps)),)))
                                           for maps in (None, pbr, flat, None))
    mask = green.instance == 1
    assert mask.sum() > 50 and plain.objects[0].material.pbr is None
    for b in (green, green_flat, grey_again):
        np.testing.assert_array_equal(b.instance, grey.instance)
        np.testing.assert_allclose(b.depth[mask], grey.depth[mask], atol=1e-4)
    # The normal pass is the shading normal: the normal and bump maps show in it, unless their strengths are 0.
    assert np.abs(green.normal[mask] - grey.normal[mask]).max() > 0.1
    np.testing.assert_allclose(green_flat.normal[mask], grey.normal[mask], atol=1e-3)
    for b in (green, green_flat):
        g = b.rgb[mask].mean(axis=0)
        assert g[1] > 3 * g[0] and g[1] > 3 * g[2]
    for b in (grey, grey_again):   # the reused object's material was rebuilt without the set
        r = b.rgb[mask].mean(axis=0)
        assert abs(r[1] - r[0]) < 0.2 * r[1]


def _bumpy_normal_maps(folder: Path) -> tuple[str, str]:
    """An OpenGL normal map of sine bumps and the same map in DirectX form (green inverted)."""
    from synthscape.io.images import write_png

    y, x = np.mgrid[0:32, 0:32] / 32.0 * 2 * np.pi
    n = np.stack([-0.8 * np.cos(x) * np.sin(y), -0.8 * np.sin(x) * np.cos(y), np.ones_like(x)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    gl = np.round((n + 1) / 2 * 255).astype(np.uint8)
    dx = gl.copy()
    dx[..., 1] = 255 - dx[..., 1]
    return str(write_png(folder / "Bumps_NormalGL.png", gl)), str(write_png(folder / "Bumps_NormalDX.png", dx))


def test_a_directx_map_renders_like_its_opengl_twin(renderer, tmp_path: Path) -> None:
    gl_path, dx_path = _bumpy_normal_maps(tmp_path)
    colour = str(write_map(tmp_path / "Bumps_Color.png", 180))
    base = PbrMaps(set_name="Bumps", color=colour, normal=gl_path, color_mean=color_map_mean(colour))
    renders = [renderer.render(_spec((_obj(1, "cube", 0.0, _material(maps)),)))
               for maps in (base, dataclasses.replace(base, normal=dx_path, normal_convention="dx"),
                            dataclasses.replace(base, normal=dx_path, normal_convention="gl"))]
    mask = renders[0].instance == 1
    np.testing.assert_allclose(renders[1].normal[mask], renders[0].normal[mask], atol=0.02)
    assert np.abs(renders[2].normal[mask] - renders[0].normal[mask]).max() > 0.2   # unflipped: wrong
