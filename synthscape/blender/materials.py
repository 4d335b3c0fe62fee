"""Principled BSDF materials from :class:`~synthscape.spec.scene_spec.MaterialSpec`."""

from __future__ import annotations

import os

import bpy
import numpy as np

from synthscape.blender import compat
from synthscape.blender.pbr_nodes import build_pbr, pbr_signature, reflectance_colour, set_pbr_values
from synthscape.spec.scene_spec import MaterialSpec, TextureMapping

Vec3 = tuple[float, float, float]


SIGNATURE = "synthscape_material"
"""Custom property on a built material: its node layout (:func:`material_signature`)."""


def material_signature(spec: MaterialSpec) -> str:
    """The node layout ``spec`` needs; materials of one signature differ only in values."""
    texture = f"texture-{spec.texture_mapping.projection}" if spec.texture_path else "plain"
    if spec.pbr is not None:
        texture = pbr_signature(spec.pbr, spec.texture_mapping.projection) + ("+image" if spec.texture_path else "")
    noise = "noise" if spec.noise_scale is not None and spec.noise_strength > 0 else "flat"
    return f"{texture}/{noise}"


def build_material(spec: MaterialSpec, name: str, object_scale: Vec3 = (1.0, 1.0, 1.0),
                   color_attribute: str | None = None) -> bpy.types.Material:
    """Create a Principled BSDF material.

    The base colour is ``spec.base_color``, multiplied by the image texture when
    ``texture_path`` is set and by a PBR set's colour and AO maps when ``pbr`` is set (its other
    maps drive roughness, metallic and the normal: :mod:`synthscape.blender.pbr_nodes`), then
    overlaid with a noise texture when ``noise_scale`` is set,
    then mixed with the mesh's part colours when ``color_attribute`` is set
    (:func:`_mix_part_colours`).

    Args:
        spec: the material parameters.
        name: datablock name.
        object_scale: the scale of the object the material goes on; box projection uses
            object coordinates, so this keeps ``texture_mapping.scale`` in repeats per metre.
        color_attribute: a colour attribute of the mesh (procedural shapes' part colours).

    Raises:
        FileNotFoundError: ``texture_path`` does not exist.
    """
    if spec.texture_path and not os.path.isfile(spec.texture_path):
        raise FileNotFoundError(f"texture_path {spec.texture_path!r} does not exist (material texture)")
    material = bpy.data.materials.new(name)
    tree = compat.node_tree(material)
    bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
    bsdf.name = "synthscape_bsdf"
    colour = _constant_colour(tree)
    if spec.texture_path:
        colour = _multiply_texture(tree, colour, spec.texture_mapping)
    if spec.pbr is not None:   # shares the image texture's Mapping node when there is one
        vector = tree.nodes["synthscape_mapping"].outputs["Vector"] if spec.texture_path else \
            _texture_vector(tree, spec.texture_mapping)
        colour = build_pbr(tree, bsdf, colour, vector, spec.pbr, spec.texture_mapping.projection)
    if spec.noise_scale is not None and spec.noise_strength > 0:
        colour = _overlay_noise(tree, colour)
    if color_attribute:
        colour = _mix_part_colours(tree, colour, color_attribute)
    tree.links.new(colour, bsdf.inputs["Base Color"])
    material[SIGNATURE] = material_signature(spec) + (f"/attribute-{color_attribute}" if color_attribute else "")
    set_material_values(material, spec, object_scale)
    return material


def update_material(material: bpy.types.Material, spec: MaterialSpec,
                    object_scale: Vec3 = (1.0, 1.0, 1.0), color_attribute: str | None = None) -> bool:
    """Give a material built by :func:`build_material` the values of ``spec``, if the layout fits.

    Returns:
        False (nothing changed) when ``spec`` (or ``color_attribute``) needs another node layout.

    Raises:
        FileNotFoundError: ``texture_path`` does not exist.
    """
    signature = material_signature(spec) + (f"/attribute-{color_attribute}" if color_attribute else "")
    if material.get(SIGNATURE) != signature or material.node_tree is None:
        return False
    if spec.texture_path and not os.path.isfile(spec.texture_path):
        raise FileNotFoundError(f"texture_path {spec.texture_path!r} does not exist (material texture)")
    set_material_values(material, spec, object_scale)
    return True


def set_material_values(material: bpy.types.Material, spec: MaterialSpec, object_scale: Vec3) -> None:
    """Every value of ``spec`` on the named nodes of a material of its signature.

    Only values that differ are written: each socket write makes Blender re-check its node
    trees, which costs more the more materials exist.
    """
    nodes = material.node_tree.nodes
    bsdf = nodes["synthscape_bsdf"]
    _set(bsdf.inputs["Roughness"], spec.roughness)
    _set(bsdf.inputs["Metallic"], spec.metallic)
    # Kept although a link drives it: mesh_export.material_reflectivity reads this value.
    _set(bsdf.inputs["Base Color"], (*reflectance_colour(spec), 1.0))
    _set(nodes["synthscape_colour"].outputs[0], (*spec.base_color, 1.0))
    if spec.texture_path:
        image = bpy.data.images.load(spec.texture_path, check_existing=True)
        if nodes["synthscape_image"].image != image:
            nodes["synthscape_image"].image = image
        _set_mapping(nodes["synthscape_mapping"], spec.texture_mapping, object_scale)
    if spec.pbr is not None:
        set_pbr_values(nodes, spec.pbr)
        if not spec.texture_path:
            _set_mapping(nodes["synthscape_mapping"], spec.texture_mapping, object_scale)
    if spec.noise_scale is not None and spec.noise_strength > 0:
        _set(nodes["synthscape_noise"].inputs["Scale"], spec.noise_scale)
        factor = next(s for s in nodes["synthscape_noise_mix"].inputs if s.name == "Factor" and s.type == "VALUE")
        _set(factor, min(max(spec.noise_strength, 0.0), 1.0))
    material.diffuse_color = (*spec.base_color, 1.0)
    # LiDAR-only optics, read by mesh_export.material_optics (-1 = no reflectivity override).
    material["synthscape_lidar_reflectivity"] = -1.0 if spec.lidar_reflectivity is None else float(spec.lidar_reflectivity)
    material["synthscape_retroreflective"] = bool(spec.retroreflective)


def _set(socket: bpy.types.NodeSocket, value: float | tuple[float, ...]) -> None:
    """Write a socket's default value unless it already holds exactly that value (as float32)."""
    current = socket.default_value
    if isinstance(value, tuple):
        if tuple(current) != tuple(float(np.float32(v)) for v in value):
            socket.default_value = value
    elif current != float(np.float32(value)):
        socket.default_value = value


def _constant_colour(tree: bpy.types.NodeTree) -> bpy.types.NodeSocket:
    node = tree.nodes.new("ShaderNodeRGB")
    node.name = "synthscape_colour"
    return node.outputs[0]


def _texture_vector(tree: bpy.types.NodeTree, mapping: TextureMapping) -> bpy.types.NodeSocket:
    """Texture coordinates (object space for box, UV map for uv) through a Mapping node."""
    coords = tree.nodes.new("ShaderNodeTexCoord")
    node = tree.nodes.new("ShaderNodeMapping")
    node.name = "synthscape_mapping"
    node.vector_type = "POINT"
    tree.links.new(coords.outputs["Object" if mapping.projection == "box" else "UV"], node.inputs["Vector"])
    return node.outputs["Vector"]


def _set_mapping(node: bpy.types.Node, mapping: TextureMapping, object_scale: Vec3) -> None:
    """Scale (repeats per metre for box projection), rotation and offset of the Mapping node."""
    if mapping.projection == "box":
        scale = tuple(mapping.scale * s for s in object_scale)
    else:
        scale = (mapping.scale, mapping.scale, 1.0)
    _set(node.inputs["Scale"], tuple(float(v) for v in scale))
    _set(node.inputs["Rotation"], (0.0, 0.0, float(mapping.rotation)))
    _set(node.inputs["Location"], (float(mapping.offset[0]), float(mapping.offset[1]), 0.0))


def _multiply_texture(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket,
                      mapping: TextureMapping) -> bpy.types.NodeSocket:
    image_node = tree.nodes.new("ShaderNodeTexImage")
    image_node.name = "synthscape_image"
    image_node.extension = "REPEAT"
    if mapping.projection == "box":
        image_node.projection = "BOX"
        image_node.projection_blend = 0.2
    tree.links.new(_texture_vector(tree, mapping), image_node.inputs["Vector"])
    _, factor, a, b, result = compat.mix_color_node(tree, "MULTIPLY")
    factor.default_value = 1.0
    tree.links.new(colour, a)
    tree.links.new(image_node.outputs["Color"], b)
    return result


def _mix_part_colours(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket, attribute: str) -> bpy.types.NodeSocket:
    """``colour`` times the attribute's RGB where its alpha is 1, the attribute's RGB as is where 0.

    Procedural shapes mark their parts this way (:mod:`synthscape.assets.procedural.parts`): the
    body (white, alpha 1) takes the material colour, windows and tyres (alpha 0) stay dark.
    """
    node = tree.nodes.new("ShaderNodeAttribute")
    node.name = "synthscape_part_colours"
    node.attribute_type = "GEOMETRY"
    node.attribute_name = attribute
    _, factor, a, b, tinted = compat.mix_color_node(tree, "MULTIPLY")
    factor.default_value = 1.0
    tree.links.new(colour, a)
    tree.links.new(node.outputs["Color"], b)
    mix, _, plain, tint, result = compat.mix_color_node(tree, "MIX")
    mix.name = "synthscape_part_mix"
    tree.links.new(node.outputs["Alpha"], next(s for s in mix.inputs if s.name == "Factor" and s.type == "VALUE"))
    tree.links.new(node.outputs["Color"], plain)
    tree.links.new(tinted, tint)
    return result


def _overlay_noise(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket) -> bpy.types.NodeSocket:
    """Overlay a grey noise (0.5 = neutral) on ``colour``; scale and factor come from the values."""
    coords = tree.nodes.new("ShaderNodeTexCoord")
    noise = tree.nodes.new("ShaderNodeTexNoise")
    noise.name = "synthscape_noise"
    tree.links.new(coords.outputs["Object"], noise.inputs["Vector"])
    mix, _, a, b, result = compat.mix_color_node(tree, "OVERLAY")
    mix.name = "synthscape_noise_mix"
    tree.links.new(colour, a)
    tree.links.new(noise.outputs[0], b)  # "Fac" (4.x) / "Factor" (5.0)
    return result
