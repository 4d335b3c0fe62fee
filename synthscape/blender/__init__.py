"""The Blender layer: realizes a scene spec in bpy and renders it with Cycles.

Importing this package imports nothing from bpy; import the submodules (e.g.
``synthscape.blender.render.CyclesRenderer``) where Blender is available.
"""
