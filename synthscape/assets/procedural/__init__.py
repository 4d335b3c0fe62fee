"""Procedural shapes: parameterized generators of cars, people, cyclists and household objects.

Pure numpy/trimesh. Each generator takes plain parameters (metres, degrees) and returns a
closed triangle mesh, Z up, forward +X, origin at the centre of its base, whose per-vertex
colour marks its parts (:mod:`synthscape.assets.procedural.parts`). :func:`generate` builds
one by kind; :func:`synthscape.assets.procedural.cache.procedural_mesh` writes it once per
parameter set into the asset cache as a ``.ply``.
"""

from __future__ import annotations

from typing import Any

import trimesh

from synthscape.assets.procedural.household import BOTTLE, BOWL, BOX, CUP, MUG
from synthscape.assets.procedural.params import Generator, Param
from synthscape.assets.procedural.people import CYCLIST, PEDESTRIAN
from synthscape.assets.procedural.vehicles import CAR

GENERATORS: dict[str, Generator] = {g.kind: g for g in (CAR, PEDESTRIAN, CYCLIST, MUG, CUP, BOTTLE, BOWL, BOX)}
"""Every procedural kind, by the name a recipe's ``procedural.kind`` uses."""


def generator(kind: str) -> Generator:
    """The generator of ``kind``.

    Raises:
        KeyError: no such kind (the message lists the kinds).
    """
    try:
        return GENERATORS[kind]
    except KeyError:
        raise KeyError(f"unknown procedural kind {kind!r}; use one of {', '.join(GENERATORS)}") from None


def normalized_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter of ``kind``: ``params`` over the defaults, numbers snapped to each parameter's
    step (what the mesh is built from and the cache key holds), derived defaults filled in.

    Raises:
        KeyError: an unknown kind or parameter.
    """
    gen = generator(kind)
    unknown = sorted(set(params) - {p.name for p in gen.params})
    if unknown:
        raise KeyError(f"procedural kind {kind!r} has no parameter {unknown[0]!r}; "
                       f"its parameters are {', '.join(p.name for p in gen.params)}")
    snapped = {name: gen.param(name).snap(value) for name, value in params.items()}
    return {name: gen.param(name).snap(value) for name, value in gen.resolved(snapped).items()}


def generate(kind: str, params: dict[str, Any]) -> trimesh.Trimesh:
    """The mesh of ``kind`` for ``params`` (missing parameters take their defaults; numbers snapped)."""
    return generator(kind).build(**normalized_params(kind, params))


__all__ = ["GENERATORS", "Generator", "Param", "generate", "generator", "normalized_params"]
