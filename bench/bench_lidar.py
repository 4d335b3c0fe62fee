"""Benchmark one HDL-64E sweep (64 x 2048 rays) against a street-like scene.

Run: ``python bench/bench_lidar.py [--repeat 5] [--no-blender]``. Prints the time to export
triangles from Blender, build the Open3D (Embree) scene, cast, simulate (cast + noise +
labels), write the files, the total, rays/s, and the BVHTree fallback for comparison; then the
same sweep with dual returns (7 sub-rays per beam), with motion skew, and the PCD and nuScenes
writers.
"""

from __future__ import annotations

import argparse
import tempfile

import numpy as np

from synthscape.buffers import SceneMesh
from synthscape.lidar import (LidarRecipe, sample_lidar_spec, sensor_rays, simulate_lidar,
                              write_lidar_frame)
from synthscape.lidar.demo import street_spec
from synthscape.lidar.io import scan_to_nuscenes, scan_to_pcd
from synthscape.lidar.mesh import scene_mesh_from_spec
from synthscape.lidar.raycast import Open3DRaycaster
from timing import best_of



def _blender_export(spec, repeat: int) -> tuple[float, SceneMesh]:
    """Build the spec's boxes and ground in bpy (subdivided to realistic triangle counts);
    time :func:`export_scene_mesh` and return its mesh."""
    import bpy

    from synthscape.blender.mesh_export import export_scene_mesh

    bpy.ops.wm.read_factory_settings(use_empty=True)
    mesh = scene_mesh_from_spec(spec)
    ids = {}
    for instance_id in np.unique(mesh.triangle_instance):
        tri = mesh.triangles[mesh.triangle_instance == instance_id]
        data = bpy.data.meshes.new(f"m{instance_id}")
        data.from_pydata(mesh.vertices.tolist(), [], tri.tolist())
        obj = bpy.data.objects.new(f"o{instance_id}", data)
        mod = obj.modifiers.new("subdivide", "SUBSURF")  # realistic triangle counts
        mod.subdivision_type, mod.levels, mod.render_levels = "SIMPLE", 3, 3
        bpy.context.scene.collection.objects.link(obj)
        ids[obj.name] = int(instance_id)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    seconds, exported = best_of(lambda: export_scene_mesh(depsgraph, lambda ob: ids.get(ob.name)),
                              repeat)
    return seconds, exported


def _build(mesh: SceneMesh, origin: np.ndarray, one_ray: np.ndarray) -> Open3DRaycaster:
    """Build the Open3D scene; Embree commits its BVH lazily, so cast one ray to include it."""
    backend = Open3DRaycaster(mesh)
    backend.cast(origin, one_ray)
    return backend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-blender", action="store_true")
    args = parser.parse_args()
    spec = street_spec(np.random.default_rng(0), n_objects=20)
    recipe = LidarRecipe(preset="hdl64e")
    lidar = sample_lidar_spec(recipe, spec.camera.world_to_camera)
    spec = spec.with_lidar(lidar)
    mesh = scene_mesh_from_spec(spec)
    i2c = spec.instance_to_category()
    dirs, _, _ = sensor_rays(recipe.sensor())
    l2w = np.asarray(lidar["lidar_to_world"])
    origin, world_dirs = l2w[:3, 3], (dirs @ l2w[:3, :3].T).astype(np.float32)
    rows = []
    export_s = 0.0
    if not args.no_blender:
        export_s, mesh = _blender_export(spec, args.repeat)
        rows.append((f"export triangles from Blender ({len(mesh.triangles)} tris)", export_s))
    build_s, backend = best_of(lambda: _build(mesh, origin, world_dirs[:1]), args.repeat)
    cast_s, _ = best_of(lambda: backend.cast(origin, world_dirs), args.repeat)
    sim_s, scan = best_of(lambda: simulate_lidar(mesh, lidar, np.random.default_rng(0), i2c,
                                               backend=backend), args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        write_s, _ = best_of(lambda: write_lidar_frame(tmp, 0, scan), args.repeat)
    rows += [(f"build Open3D scene + BVH commit ({len(mesh.triangles)} tris)", build_s),
             (f"cast {len(dirs)} rays", cast_s),
             ("simulate (cast + noise + labels)", sim_s),
             ("write .bin + .label", write_s),
             ("total LiDAR step (export + build + simulate + write)",
              export_s + build_s + sim_s + write_s)]
    for name, seconds in rows:
        print(f"{name:<58s} {seconds * 1000:9.1f} ms")
    print(f"{'rays/s (cast)':<58s} {len(dirs) / cast_s:12.3e}")
    print(f"{'points returned':<58s} {len(scan):9d}")
    _realism_rows(spec, mesh, backend, i2c, args.repeat)
    if not args.no_blender:
        from synthscape.blender.bvh_raycast import BVHRaycaster
        bvh_build, bvh = best_of(lambda: BVHRaycaster(mesh), 1)
        bvh_cast, _ = best_of(lambda: bvh.cast(origin, world_dirs), 1)
        print(f"{'BVHTree fallback: build':<58s} {bvh_build * 1000:9.1f} ms")
        print(f"{'BVHTree fallback: cast':<58s} {bvh_cast * 1000:9.1f} ms "
              f"({len(dirs) / bvh_cast:.3e} rays/s)")


def _realism_rows(spec, mesh: SceneMesh, backend: Open3DRaycaster, i2c: dict[int, int],
                  repeat: int) -> None:
    """Time the sweep with dual returns (and with motion skew), and the PCD / nuScenes writers."""
    rows = []
    for label, recipe in (("simulate, dual returns (7 sub-rays per beam)",
                           LidarRecipe(preset="hdl64e", returns={"mode": "dual"})),
                          ("simulate, dual returns + motion skew (10 m/s)",
                           LidarRecipe(preset="hdl64e", returns={"mode": "dual"},
                                       rig_velocity=(10.0, 0.0, 0.0)))):
        lidar = sample_lidar_spec(recipe, spec.camera.world_to_camera)
        seconds, scan = best_of(lambda lidar=lidar: simulate_lidar(
            mesh, lidar, np.random.default_rng(0), i2c, backend=backend), repeat)
        rows.append((label, seconds))
    second = int((scan.return_type == 1).sum())
    rows += [("scan to PCD bytes", best_of(lambda: scan_to_pcd(scan), repeat)[0]),
             ("scan to nuScenes .pcd.bin bytes", best_of(lambda: scan_to_nuscenes(scan), repeat)[0])]
    for name, seconds in rows:
        print(f"{name:<58s} {seconds * 1000:9.1f} ms")
    print(f"{'points returned (dual), of which second returns':<58s} {len(scan):9d} {second:7d}")


if __name__ == "__main__":
    main()
