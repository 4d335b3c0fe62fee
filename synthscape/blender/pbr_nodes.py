"""The shader nodes of a PBR texture set (:class:`~synthscape.spec.scene_spec.PbrMaps`) on a Principled BSDF.

Layout (every image shares the material's texture-coordinate Mapping node):

* colour map (sRGB; linear when it is an EXR) multiplied into the base colour, then the AO map
  (Non-Color) multiplied in;
* roughness and metalness maps (Non-Color) into ``Roughness`` and ``Metallic``;
* normal map (Non-Color; a DirectX map's green channel flipped) through a tangent-space Normal
  Map node, then the displacement map as bump mapping (Bump node: ``bump_strength``,
  ``bump_distance`` metres) into ``Normal``.

Node names are ``synthscape_pbr_<role>`` so a material of the same layout is updated in place.
"""

from __future__ import annotations

import os

import bpy

from synthscape.blender import compat
from synthscape.spec.scene_spec import MaterialSpec, PbrMaps

ROLES = ("color", "roughness", "normal", "metalness", "displacement", "ao")
FLOAT_SUFFIXES = (".exr", ".hdr")


def pbr_signature(pbr: PbrMaps, projection: str) -> str:
    """The node layout of a set: projection, which maps it has, and the normal convention."""
    present = "".join(role[0] for role in ROLES if getattr(pbr, role))
    return f"pbr-{projection}-{present}-{pbr.normal_convention if pbr.normal else ''}"


def _image_node(tree: bpy.types.NodeTree, role: str, vector: bpy.types.NodeSocket,
                projection: str) -> bpy.types.Node:
    node = tree.nodes.new("ShaderNodeTexImage")
    node.name = f"synthscape_pbr_{role}"
    node.extension = "REPEAT"
    if projection == "box":
        node.projection = "BOX"
        node.projection_blend = 0.2
    tree.links.new(vector, node.inputs["Vector"])
    return node


def _multiply(tree: bpy.types.NodeTree, colour: bpy.types.NodeSocket,
              other: bpy.types.NodeSocket) -> bpy.types.NodeSocket:
    _, factor, a, b, result = compat.mix_color_node(tree, "MULTIPLY")
    factor.default_value = 1.0
    tree.links.new(colour, a)
    tree.links.new(other, b)
    return result


def _normal_chain(tree: bpy.types.NodeTree, pbr: PbrMaps, images: dict[str, bpy.types.Node]
                  ) -> bpy.types.NodeSocket | None:
    """Normal map (green flipped for DirectX) then bump from the displacement map; None without either."""
    normal = None
    if pbr.normal:
        node = tree.nodes.new("ShaderNodeNormalMap")
        node.name = "synthscape_pbr_normal_map"
        node.space = "TANGENT"
        colour = images["normal"].outputs["Color"]
        if pbr.normal_convention == "dx":
            flip = tree.nodes.new("ShaderNodeVectorMath")
            flip.operation = "MULTIPLY_ADD"
            flip.inputs[1].default_value = (1.0, -1.0, 1.0)
            flip.inputs[2].default_value = (0.0, 1.0, 0.0)
            tree.links.new(colour, flip.inputs[0])
            colour = flip.outputs["Vector"]
        tree.links.new(colour, node.inputs["Color"])
        normal = node.outputs["Normal"]
    if pbr.displacement:
        bump = tree.nodes.new("ShaderNodeBump")
        bump.name = "synthscape_pbr_bump"
        tree.links.new(images["displacement"].outputs["Color"], bump.inputs["Height"])
        if normal is not None:
            tree.links.new(normal, bump.inputs["Normal"])
        normal = bump.outputs["Normal"]
    return normal


def build_pbr(tree: bpy.types.NodeTree, bsdf: bpy.types.Node, colour: bpy.types.NodeSocket,
              vector: bpy.types.NodeSocket, pbr: PbrMaps, projection: str) -> bpy.types.NodeSocket:
    """Add the set's nodes to ``tree``; returns the base colour socket (``colour`` x colour map x AO)."""
    images = {role: _image_node(tree, role, vector, projection) for role in ROLES if getattr(pbr, role)}
    colour = _multiply(tree, colour, images["color"].outputs["Color"])
    if "ao" in images:
        colour = _multiply(tree, colour, images["ao"].outputs["Color"])
    if "roughness" in images:
        tree.links.new(images["roughness"].outputs["Color"], bsdf.inputs["Roughness"])
    if "metalness" in images:
        tree.links.new(images["metalness"].outputs["Color"], bsdf.inputs["Metallic"])
    normal = _normal_chain(tree, pbr, images)
    if normal is not None:
        tree.links.new(normal, bsdf.inputs["Normal"])
    return colour


def _load(path: str, role: str) -> bpy.types.Image:
    image = bpy.data.images.load(path, check_existing=True)
    if role != "color":
        wanted = "Non-Color"
    elif path.lower().endswith(FLOAT_SUFFIXES):
        wanted = image.colorspace_settings.name   # float colour maps are linear: keep Blender's default
    else:
        wanted = "sRGB"
    if image.colorspace_settings.name != wanted:
        image.colorspace_settings.name = wanted
    return image


def set_pbr_values(nodes: bpy.types.Nodes, pbr: PbrMaps) -> None:
    """The set's images and strengths on the nodes :func:`build_pbr` made.

    Raises:
        FileNotFoundError: a map of the set does not exist.
    """
    for role in ROLES:
        path = getattr(pbr, role)
        if path:
            if not os.path.isfile(path):
                raise FileNotFoundError(f"the {role} map {path!r} of texture set {pbr.set_name!r} does not exist")
            image = _load(path, role)
            if nodes[f"synthscape_pbr_{role}"].image != image:
                nodes[f"synthscape_pbr_{role}"].image = image
    if pbr.normal:
        nodes["synthscape_pbr_normal_map"].inputs["Strength"].default_value = pbr.normal_strength
    if pbr.displacement:
        bump = nodes["synthscape_pbr_bump"]
        bump.inputs["Strength"].default_value = pbr.bump_strength
        bump.inputs["Distance"].default_value = pbr.bump_distance


def reflectance_colour(spec: MaterialSpec) -> tuple[float, float, float]:
    """The colour the LiDAR sees: ``base_color``, times the colour map's mean colour with a set."""
    if spec.pbr is None:
        return spec.base_color
    mean = spec.pbr.color_mean
    return (spec.base_color[0] * mean[0], spec.base_color[1] * mean[1], spec.base_color[2] * mean[2])
