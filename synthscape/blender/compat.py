"""The only module that knows how Blender versions differ (4.2 LTS .. 5.0).

Every other module in :mod:`synthscape.blender` calls these helpers instead of
touching version-specific API names.
"""

from __future__ import annotations

import bpy

VERSION: tuple[int, int, int] = tuple(bpy.app.version)  # type: ignore[assignment]
"""The running Blender's (major, minor, patch)."""

IS_5 = VERSION >= (5, 0, 0)


def set_multilayer_exr(image_settings: bpy.types.ImageFormatSettings) -> None:
    """Make ``image_settings`` write a float32 multilayer OpenEXR.

    Blender 5.0 adds ``media_type`` ('MULTI_LAYER_IMAGE') which must be set before
    ``file_format``; 4.2 only has ``file_format='OPEN_EXR_MULTILAYER'``.
    """
    if hasattr(image_settings, "media_type"):
        image_settings.media_type = "MULTI_LAYER_IMAGE"
    image_settings.file_format = "OPEN_EXR_MULTILAYER"
    image_settings.color_depth = "32"
    image_settings.exr_codec = "NONE"  # a temporary file read back at once: no time on compression


def disable_compositor(scene: bpy.types.Scene) -> None:
    """Render the raw view-layer passes: no compositing node tree.

    5.0 keeps the compositor in ``scene.compositing_node_group``; 4.x in
    ``scene.node_tree`` switched on with ``scene.use_nodes``.
    """
    if hasattr(scene, "compositing_node_group"):
        scene.compositing_node_group = None
    elif getattr(scene, "use_nodes", False):
        scene.use_nodes = False
    scene.render.use_compositing = False
    scene.render.use_sequencer = False


def node_tree(datablock: bpy.types.Material | bpy.types.World) -> bpy.types.NodeTree:
    """The shader node tree of a material or world (4.x needs ``use_nodes = True`` first)."""
    if datablock.node_tree is None or (not IS_5 and not datablock.use_nodes):
        datablock.use_nodes = True
    return datablock.node_tree


def set_light_size(light: bpy.types.Light, size: float) -> None:
    """Set a light's size: sun angle (rad), point radius (m) or area edge (m)."""
    if light.type == "SUN":
        light.angle = size
    elif light.type == "AREA":
        light.shape = "SQUARE"
        light.size = size
    else:
        light.shadow_soft_size = size


def mix_color_node(tree: bpy.types.NodeTree, blend: str = "MULTIPLY") -> tuple[
        bpy.types.Node, bpy.types.NodeSocket, bpy.types.NodeSocket, bpy.types.NodeSocket,
        bpy.types.NodeSocket]:
    """A colour Mix node (``ShaderNodeMix``, data_type RGBA) in ``tree``.

    Returns:
        (node, factor input, A input, B input, result output). The Mix node has one socket
        per data type under the same names, so the RGBA ones are picked by type.
    """
    node = tree.nodes.new("ShaderNodeMix")
    node.data_type = "RGBA"
    node.blend_type = blend
    colour_inputs = [s for s in node.inputs if s.type == "RGBA"]
    factor = next(s for s in node.inputs if s.name == "Factor" and s.type == "VALUE")
    result = next(s for s in node.outputs if s.type == "RGBA")
    return node, factor, colour_inputs[0], colour_inputs[1], result


def import_mesh_file(path: str) -> None:
    """Import a .obj/.ply/.stl/.glb/.gltf file into the active collection (new objects selected).

    Raises:
        ValueError: the suffix is not one of the supported formats.
    """
    suffix = path.lower().rsplit(".", 1)[-1]
    if suffix == "obj":
        bpy.ops.wm.obj_import(filepath=path)
    elif suffix == "ply":
        bpy.ops.wm.ply_import(filepath=path)
    elif suffix == "stl":
        bpy.ops.wm.stl_import(filepath=path)
    elif suffix in ("glb", "gltf"):
        bpy.ops.import_scene.gltf(filepath=path)
    else:
        raise ValueError(f"{path}: mesh files must be .obj, .ply, .stl, .glb or .gltf")
