"""Lights and the world background."""

from __future__ import annotations

import os

import bpy

from synthscape.blender import compat
from synthscape.spec.scene_spec import LightSpec, WorldSpec

LIGHT_TYPES = {"sun": "SUN", "point": "POINT", "area": "AREA"}


def build_light(spec: LightSpec, name: str) -> bpy.types.Object:
    """A sun/point/area light object; ``energy`` is W (point, area) or W/m^2 (sun)."""
    if spec.kind not in LIGHT_TYPES:
        raise ValueError(f"light kind must be sun, point or area, got {spec.kind!r}")
    data = bpy.data.lights.new(name, LIGHT_TYPES[spec.kind])
    data.energy = spec.energy
    data.color = spec.color
    compat.set_light_size(data, spec.size)
    obj = bpy.data.objects.new(name, data)
    obj.location = spec.location
    obj.rotation_mode = "XYZ"
    obj.rotation_euler = spec.rotation
    bpy.context.scene.collection.objects.link(obj)
    return obj


def build_world(spec: WorldSpec, scene: bpy.types.Scene) -> bpy.types.World:
    """A world with a constant colour, or an HDRI rotated ``hdri_rotation`` about Z.

    Raises:
        FileNotFoundError: ``hdri_path`` does not exist.
    """
    world = bpy.data.worlds.new("world")
    tree = compat.node_tree(world)
    background = next(n for n in tree.nodes if n.type == "BACKGROUND")
    background.inputs["Strength"].default_value = spec.strength
    background.inputs["Color"].default_value = (*spec.color, 1.0)
    if spec.hdri_path:
        if not os.path.isfile(spec.hdri_path):
            raise FileNotFoundError(f"world.hdri_path {spec.hdri_path!r} does not exist")
        coords = tree.nodes.new("ShaderNodeTexCoord")
        mapping = tree.nodes.new("ShaderNodeMapping")
        mapping.inputs["Rotation"].default_value = (0.0, 0.0, spec.hdri_rotation)
        env = tree.nodes.new("ShaderNodeTexEnvironment")
        env.image = bpy.data.images.load(spec.hdri_path, check_existing=True)
        tree.links.new(coords.outputs["Generated"], mapping.inputs["Vector"])
        tree.links.new(mapping.outputs["Vector"], env.inputs["Vector"])
        tree.links.new(env.outputs["Color"], background.inputs["Color"])
    scene.world = world
    return world

