"""Principled BSDF materials from :class:`~synthscape.spec.scene_spec.MaterialSpec`."""

from __future__ import annotations

import os

import bpy

from synthscape.blender import compat
from synthscape.spec.scene_spec import MaterialSpec, TextureMapping

Vec3 = tuple[float, float, float]


def build_material(spec: MaterialSpec, name: str, object_scale: Vec3 = (1.0, 1.0, 1.0)
                   ) -> bpy.types.Material:
    """Create a Principled BSDF material.

    The base colour is ``spec.base_color``, multiplied by the image texture when
    ``texture_path`` is set, then overlaid with a noise texture when ``noise_scale`` is set.

    Args:
        spec: the material parameters.
        name: datablock name.
        object_scale: the scale of the object the material goes on; box projection uses
            object coordinates, so this keeps ``texture_mapping.scale`` in repeats per metre.

    Raises:
        FileNotFoundError: ``texture_path`` does not exist.
    """
    material = bpy.data.materials.new(name)
    tree = compat.node_tree(material)
    bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.inputs["Roughness"].default_value = spec.roughness
    bsdf.inputs["Metallic"].default_value = spec.metallic
    # Kept although a link drives it: mesh_export.material_reflectivity reads this value.
    bsdf.inputs["Base Color"].default_value = (*spec.base_color, 1.0)
    colour = _constant_colour(tree, spec.base_color)
    if spec.texture_path:
        colour = _multiply_texture(tree, colour, spec.texture_path, spec.texture_mapping,
                                   object_scale)
    if spec.noise_scale is not None and spec.noise_strength > 0:
        colour = _overlay_noise(tree, colour, spec.noise_scale, spec.noise_strength)
    tree.links.new(colour, bsdf.inputs["Base Color"])
    material.diffuse_color = (*spec.base_color, 1.0)
    return material


def _constant_colour(tree: bpy.types.NodeTree, rgb: Vec3) -> bpy.types.NodeSocket:
    node = tree.nodes.new("ShaderNodeRGB")
    node.outputs[0].default_value = (*rgb, 1.0)
    return node.outputs[0]


def _texture_vector(tree: bpy.types.NodeTree, mapping: TextureMapping,
                    object_scale: Vec3) -> bpy.types.NodeSocket:
    """Texture coordinates (object space for box, UV map for uv) through a Mapping node."""
    coords = tree.nodes.new("ShaderNodeTexCoord")
    node = tree.nodes.new("ShaderNodeMapping")
    node.vector_type = "POINT"
    if mapping.projection == "box":
        tree.links.new(coords.outputs["Object"], node.inputs["Vector"])
        scale = tuple(mapping.scale * s for s in object_scale)
    else:
        tree.links.new(coords.outputs["UV"], node.inputs["Vector"])
        scale = (mapping.scale, mapping.scale, 1.0)
    node.inputs["Scale"].default_value = scale
    node.inputs["Rotation"].default_value = (0.0, 0.0, mapping.rotation)
    node.inputs["Location"].default_value = (mapping.offset[0], mapping.offset[1], 0.0)
    return node.outputs["Vector"]


def _multiply_texture(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket, path: str,
                      mapping: TextureMapping, object_scale: Vec3) -> bpy.types.NodeSocket:
    if not os.path.isfile(path):
        raise FileNotFoundError(f"texture_path {path!r} does not exist (material texture)")
    image_node = tree.nodes.new("ShaderNodeTexImage")
    image_node.image = bpy.data.images.load(path, check_existing=True)
    image_node.extension = "REPEAT"
    if mapping.projection == "box":
        image_node.projection = "BOX"
        image_node.projection_blend = 0.2
    tree.links.new(_texture_vector(tree, mapping, object_scale), image_node.inputs["Vector"])
    _, factor, a, b, result = compat.mix_color_node(tree, "MULTIPLY")
    factor.default_value = 1.0
    tree.links.new(colour, a)
    tree.links.new(image_node.outputs["Color"], b)
    return result


def _overlay_noise(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket, scale: float,
                   strength: float) -> bpy.types.NodeSocket:
    """Overlay a grey noise (0.5 = neutral) on ``colour`` with factor ``strength``."""
    coords = tree.nodes.new("ShaderNodeTexCoord")
    noise = tree.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = scale
    tree.links.new(coords.outputs["Object"], noise.inputs["Vector"])
    _, factor, a, b, result = compat.mix_color_node(tree, "OVERLAY")
    factor.default_value = min(max(strength, 0.0), 1.0)
    tree.links.new(colour, a)
    tree.links.new(noise.outputs[0], b)  # "Fac" (4.x) / "Factor" (5.0)
    return result
