"""Beam divergence and multiple echoes: a beam's footprint as a few sub-rays, grouped into returns.

A real LiDAR beam is a narrow cone (a few milliradians), not a line. Where the cone straddles an
edge -- a box in front of a wall, a pole, a thin branch -- part of the pulse comes back from the
near surface and part from the far one, and the sensor reports two echoes (Velodyne's and
Hesai's "dual return" mode: the strongest and the last). :func:`footprint_rays` spreads each
beam into ``count`` sub-rays (the centre and a ring at the cone's half angle);
:func:`group_echoes` sorts a beam's sub-ray hits by range and splits them into echoes where two
neighbours are further apart than ``min_separation`` *and* not on one plane. The coplanarity test
keeps a flat surface hit at a grazing angle (whose footprint spans metres of range) one echo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLANE_TOLERANCE_M = 0.02
"""Two sub-ray hits lie on one plane when each is within this of the other's tangent plane."""
PARALLEL_COS = 0.999
"""... and their normals are this parallel."""


def footprint_rays(directions: np.ndarray, half_angle_rad: float, count: int) -> np.ndarray:
    """(B, count, 3) unit sub-ray directions: each beam's centre, then a ring of ``count - 1``.

    Args:
        directions: (B, 3) unit beam directions.
        half_angle_rad: half of the beam divergence, radians.
        count: sub-rays per beam, >= 1 (1 = the centre ray only).
    """
    d = np.asarray(directions, dtype=np.float64)
    up = np.where(np.abs(d[:, 2:3]) < 0.99, [[0.0, 0.0, 1.0]], [[1.0, 0.0, 0.0]])
    u = np.cross(up, d)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    v = np.cross(d, u)
    phi = 2.0 * np.pi * np.arange(count - 1) / max(count - 1, 1)
    offsets = np.tan(half_angle_rad) * (np.cos(phi)[None, :, None] * u[:, None, :]
                                        + np.sin(phi)[None, :, None] * v[:, None, :])
    rays = np.concatenate([d[:, None, :], d[:, None, :] + offsets], axis=1)
    return rays / np.linalg.norm(rays, axis=2, keepdims=True)


@dataclass(frozen=True)
class Echoes:
    """The echoes of B beams (up to ``count`` each), from :func:`group_echoes`.

    Attributes:
        range: (B, E) energy-weighted mean range of each echo, metres; ``inf`` where none.
        strength: (B, E) echo strength: the sum of its sub-rays' returns / sub-rays per beam.
        member: (B, E) index of the echo's strongest sub-ray (for its labels); -1 where none.
    """

    range: np.ndarray
    strength: np.ndarray
    member: np.ndarray

    def strongest(self) -> np.ndarray:
        """(B,) index of the strongest echo (0 for beams without one)."""
        return np.argmax(np.where(np.isfinite(self.range), self.strength, -1.0), axis=1)

    def last(self) -> np.ndarray:
        """(B,) index of the farthest echo (0 for beams without one)."""
        return np.argmax(np.where(np.isfinite(self.range), self.range, -np.inf), axis=1)

    def second(self) -> np.ndarray:
        """(B,) index of the echo a dual-return sensor reports besides the strongest: the last,
        or the second strongest when the last is the strongest (Hesai's and Velodyne's rule);
        an index whose ``range`` is ``inf`` where the beam has a single echo."""
        strongest, last = self.strongest(), self.last()
        rows = np.arange(len(strongest))
        others = np.where(np.isfinite(self.range), self.strength, -1.0)
        others[rows, strongest] = -2.0
        runner_up = np.argmax(others, axis=1)
        return np.where(last != strongest, last, runner_up)


def _same_surface(t: np.ndarray, normals: np.ndarray, points: np.ndarray,
                  min_separation: float) -> np.ndarray:
    """(B, S-1) whether sorted neighbours k, k+1 belong to one echo."""
    with np.errstate(invalid="ignore"):  # inf - inf between two misses
        close = np.diff(t, axis=1) < min_separation
    gap = points[:, 1:] - points[:, :-1]
    n0, n1 = normals[:, :-1], normals[:, 1:]
    coplanar = (np.abs(np.einsum("bsk,bsk->bs", n0, gap)) < PLANE_TOLERANCE_M) \
        & (np.abs(np.einsum("bsk,bsk->bs", n0, n1)) > PARALLEL_COS)
    return (close | coplanar) & np.isfinite(t[:, 1:])


def group_echoes(t: np.ndarray, strength: np.ndarray, normals: np.ndarray, points: np.ndarray,
                 min_separation: float) -> Echoes:
    """Group each beam's sub-ray hits into echoes.

    Beams whose sub-rays all hit within ``min_separation`` of each other (nearly all of them)
    are one echo; only the others are sorted and split.

    Args:
        t: (B, S) sub-ray ranges, ``inf`` for a miss (or a hit the sensor cannot see).
        strength: (B, S) sub-ray returns (0 for a miss).
        normals: (B, S, 3) unit surface normals of the hits.
        points: (B, S, 3) hit positions (any common frame), metres.
        min_separation: closest two echoes of one beam the sensor separates, metres.

    Returns:
        Up to S echoes per beam, ordered by range.
    """
    beams, subs = t.shape
    finite = np.isfinite(t)
    with np.errstate(invalid="ignore"):
        spread = np.where(finite, t, -np.inf).max(axis=1) - np.where(finite, t, np.inf).min(axis=1)
    simple = finite.all(axis=1) & (spread < min_separation) | ~finite.any(axis=1)
    out = Echoes(np.full((beams, subs), np.inf), np.zeros((beams, subs)),
                 np.full((beams, subs), -1, dtype=np.int64))
    hit = simple & finite.any(axis=1)
    out.range[hit, 0] = _weighted_range(t[hit], strength[hit], finite[hit])
    out.strength[hit, 0] = strength[hit].sum(axis=1) / subs
    out.member[hit, 0] = np.argmax(strength[hit], axis=1)
    split = np.flatnonzero(~simple)
    if split.size:
        part = _split_echoes(t[split], strength[split], normals[split], points[split], min_separation)
        out.range[split], out.strength[split], out.member[split] = part
    return out


def _weighted_range(t: np.ndarray, strength: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """(B,) strength-weighted mean range of the ``inside`` sub-rays (plain mean if all are 0)."""
    weight = np.where(inside, strength, 0.0)
    total = weight.sum(axis=1)
    t0 = np.where(inside, t, 0.0)
    plain = t0.sum(axis=1) / np.maximum(inside.sum(axis=1), 1)
    return np.where(total > 0, (weight * t0).sum(axis=1) / np.where(total > 0, total, 1), plain)


def _split_echoes(t: np.ndarray, strength: np.ndarray, normals: np.ndarray, points: np.ndarray,
                  min_separation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(range, strength, member), each (B, S): the echoes of beams that may have several."""
    beams, subs = t.shape
    order = np.argsort(t, axis=1, kind="stable")
    take = np.take_along_axis
    ts, ss = take(t, order, 1), take(strength, order, 1)
    ns, ps = take(normals, order[..., None], 1), take(points, order[..., None], 1)
    joined = _same_surface(ts, ns, ps, min_separation)
    echo_id = np.concatenate([np.zeros((beams, 1), int), np.cumsum(~joined, axis=1)], axis=1)
    valid = np.isfinite(ts)
    out_range = np.full((beams, subs), np.inf)
    out_strength = np.zeros((beams, subs))
    out_member = np.full((beams, subs), -1, dtype=np.int64)
    for e in range(subs):
        inside = valid & (echo_id == e)
        any_in = inside.any(axis=1)
        best = np.argmax(np.where(inside, ss + 1e-9, -1.0), axis=1)
        out_range[:, e] = np.where(any_in, _weighted_range(ts, ss, inside), np.inf)
        out_strength[:, e] = np.where(inside, ss, 0.0).sum(axis=1) / subs
        out_member[:, e] = np.where(any_in, order[np.arange(beams), best], -1)
    return out_range, out_strength, out_member


__all__ = ["PARALLEL_COS", "PLANE_TOLERANCE_M", "Echoes", "footprint_rays", "group_echoes"]
