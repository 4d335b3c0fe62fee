"""Layering of the sensors stage and the writers, checked on the import graph (grimp, as import-linter).

Writers are pure functions of (spec, buffers): no writer may import the ray caster, Open3D, the
Blender layer or the sensors that ray-cast; and the ray caster never imports the Blender layer
(its BVHTree fallback registers itself instead), so there is no cycle between them.
"""

from __future__ import annotations

import grimp
import pytest

FORBIDDEN_FOR_WRITERS = ("synthscape.lidar.raycast", "synthscape.lidar.simulate", "synthscape.sensors.lidar",
                         "synthscape.sensors.visibility", "synthscape.blender", "open3d", "bpy")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("synthscape", include_external_packages=True, cache_dir=None)


@pytest.mark.parametrize("forbidden", FORBIDDEN_FOR_WRITERS)
def test_no_writer_reaches_ray_casting_or_blender(graph: grimp.ImportGraph, forbidden: str) -> None:
    chain = graph.find_shortest_chains(importer="synthscape.writers", imported=forbidden, as_packages=True)
    assert not chain, f"synthscape.writers reaches {forbidden}: {sorted(chain)[:3]}"


def test_ray_caster_and_blender_fallback_have_no_cycle(graph: grimp.ImportGraph) -> None:
    assert graph.find_shortest_chain(importer="synthscape.lidar.raycast", imported="synthscape.blender.bvh_raycast") is None
    assert not graph.find_shortest_chains(importer="synthscape.lidar", imported="synthscape.blender", as_packages=True)
    assert graph.direct_import_exists(importer="synthscape.blender.bvh_raycast", imported="synthscape.lidar.raycast")


def test_sensors_do_not_import_writers(graph: grimp.ImportGraph) -> None:
    assert not graph.find_shortest_chains(importer="synthscape.sensors", imported="synthscape.writers",
                                          as_packages=True)
    assert not graph.find_shortest_chains(importer="synthscape.sensors", imported="synthscape.blender",
                                          as_packages=True)
