"""Assets: mesh libraries, per-asset preprocessing cached by file hash, procedural shapes.

Pure Python (trimesh, numpy): the sampler uses it to know an asset's bounds and collision
shapes without Blender. ``.blend`` geometry is read by the Blender layer, which registers
itself here.
"""
