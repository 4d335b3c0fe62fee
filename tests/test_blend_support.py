"""Helpers shared by the ``test_blend_*`` files: a small ``.blend`` file made by Blender itself.

The file is saved by a child Python (``bpy.ops.wm.save_as_mainfile``), so the test process's own
Blender state (the renderer's factory scene) is never touched.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MAKE_BLEND = r'''
import sys
import bpy

bpy.ops.wm.read_factory_settings(use_empty=True)
scene = bpy.context.scene


def material(name, rgb):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    mat.node_tree.nodes["Principled BSDF"].inputs["Base Color"].default_value = (*rgb, 1.0)
    return mat


def mesh_object(name, add, collection, rgb, **kwargs):
    add(**kwargs)
    obj = bpy.context.active_object
    obj.name = name
    obj.data.materials.append(material(f"{name}_mat", rgb))
    for owner in list(obj.users_collection):
        owner.objects.unlink(obj)
    collection.objects.link(obj)
    return obj


# RedBox: a 1 m cube scaled (2, 1, 0.5) at x = 5 with an array modifier (2 copies along x):
# in its own frame x spans [-1, 3], y [-0.5, 0.5], z [-0.25, 0.25].
box = mesh_object("RedBox", bpy.ops.mesh.primitive_cube_add, scene.collection, (1.0, 0.0, 0.0),
                  size=1.0, location=(5.0, 0.0, 0.0))
box.scale = (2.0, 1.0, 0.5)
array = box.modifiers.new("array", "ARRAY")
array.count = 2
# Pair: a green 1 m cube on a blue sphere of radius 0.5, instance offset z = 0.5:
# in its own frame [-0.5, 0.5] x [-0.5, 0.5] x [-0.5, 1.5].
pair = bpy.data.collections.new("Pair")
scene.collection.children.link(pair)
mesh_object("PairCube", bpy.ops.mesh.primitive_cube_add, pair, (0.0, 1.0, 0.0), size=1.0,
            location=(0.0, 0.0, 0.5))
mesh_object("PairBall", bpy.ops.mesh.primitive_uv_sphere_add, pair, (0.0, 0.0, 1.0), radius=0.5,
            location=(0.0, 0.0, 1.5))
pair.instance_offset = (0.0, 0.0, 0.5)
marker = bpy.data.objects.new("Marker", None)  # an empty: no geometry
scene.collection.objects.link(marker)
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[1])
'''

RED_BOX_BOUNDS = ((-1.0, -0.5, -0.25), (3.0, 0.5, 0.25))
PAIR_BOUNDS = ((-0.5, -0.5, -0.5), (0.5, 0.5, 1.5))


def make_blend(path: Path) -> Path:
    """Write the test ``.blend`` (objects ``RedBox``, ``PairCube``, ``PairBall``, ``Marker``;
    collection ``Pair``) to ``path`` with a child Blender (bpy) process."""
    subprocess.run([sys.executable, "-c", MAKE_BLEND, str(path)], check=True, capture_output=True, timeout=120)
    return path


def blend_recipe(folder: Path, entries: str, extra: str = "", name: str = "recipe.yaml", placement: str = "") -> Path:
    """A recipe whose second group's ``meshes`` list is ``entries`` (YAML flow text), ``extra`` its further keys."""
    text = ("seed: 3\ncamera: {resolution: [64, 48], location: [0, -6, 5], target: [0, 0, 0.3]}\n" + placement +
            f"objects:\n- {{category: cube, shape: cube, scale: 0.2}}\n"
            f"- {{category: thing, meshes: {entries}{extra}}}\n")
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
