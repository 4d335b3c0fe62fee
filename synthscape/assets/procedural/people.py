"""People: an articulated pedestrian in a few poses, and a cyclist (a rider on a bicycle).

The figure is capsules between joints (torso, neck, upper and lower arms and legs, feet) and
an ellipsoid head; joint angles are degrees in the sagittal plane (positive = forward) plus
shoulder abduction. Forward is +X, Z up, metres; the origin is the centre of the base (the
lowest foot or the tyres touch z = 0). ``height`` is the standing stature (the head's top in
the ``standing`` pose); other poses are a little lower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import trimesh

from synthscape.assets.procedural.params import Generator, Param
from synthscape.assets.procedural.parts import (
    PartColor,
    assemble,
    box,
    capsule_between,
    cylinder_between,
    sphere,
    torus_y,
)

SHIRT = PartColor("shirt", (1.0, 1.0, 1.0), tint=True)
TROUSERS = PartColor("trousers", (0.035, 0.04, 0.07), tint=False)
SHOES = PartColor("shoes", (0.02, 0.02, 0.02), tint=False)
LIGHT_SKIN, DARK_SKIN = np.array([0.8, 0.55, 0.42]), np.array([0.12, 0.06, 0.035])


def skin_color(tone: float) -> PartColor:
    """Skin of ``tone`` in [0, 1], light to dark (linear RGB, not tinted by the material)."""
    rgb = (1 - tone) * LIGHT_SKIN + tone * DARK_SKIN
    return PartColor("skin", (float(rgb[0]), float(rgb[1]), float(rgb[2])), tint=False)


@dataclass(frozen=True)
class Pose:
    """Joint angles, degrees: per side (left, right) hip and shoulder flexion, knee and elbow
    flexion, shoulder abduction; and the torso's forward lean."""

    hip: tuple[float, float]
    knee: tuple[float, float]
    shoulder: tuple[float, float]
    elbow: tuple[float, float]
    abduction: tuple[float, float]
    lean: float = 0.0


POSES = {
    "standing": Pose((0, 0), (0, 0), (0, 0), (5, 5), (6, 6)),
    "walking": Pose((20, -15), (5, 20), (-18, 18), (15, 15), (6, 6), 3),
    "running": Pose((40, -20), (35, 90), (-45, 45), (90, 90), (8, 8), 12),
    "waving": Pose((0, 0), (0, 0), (0, 0), (5, 25), (6, 150)),
}


@dataclass(frozen=True)
class Build:
    """Segment lengths and radii of a figure of stature ``height`` (metres) and ``girth`` factor."""

    height: float
    girth: float = 1.0

    def __getattr__(self, name: str) -> float:
        fractions = {"hip_z": 0.52, "hip_y": 0.055, "thigh": 0.245, "shin": 0.235, "foot_r": 0.02,
                     "torso": 0.28, "shoulder_z": 0.81, "upper_arm": 0.17, "forearm": 0.145,
                     "head_r": 0.065, "neck": 0.07}
        girths = {"thigh_r": 0.034, "shin_r": 0.026, "torso_r": 0.085, "arm_r": 0.025, "forearm_r": 0.021,
                  "hand_r": 0.03}
        if name in fractions:
            return fractions[name] * self.height
        if name in girths:
            return girths[name] * self.height * (self.girth if name != "hand_r" else 1.0)
        raise AttributeError(name)

    @property
    def shoulder_y(self) -> float:
        """Distance of each shoulder joint from the midline (clear of the torso)."""
        return self.torso_r + self.arm_r + 0.01 * self.height


def _swing(angle_deg: float) -> np.ndarray:
    """Unit vector in the sagittal plane, ``angle`` forward of straight down."""
    angle = np.radians(angle_deg)
    return np.array([np.sin(angle), 0.0, -np.cos(angle)])


def _arm_direction(flexion: float, abduction: float, side: float) -> np.ndarray:
    """Direction of an arm segment: down, raised sideways by ``abduction``, then swung forward."""
    down = np.array([0.0, 0.0, -1.0, 0.0])
    raise_out = trimesh.transformations.rotation_matrix(np.radians(side * abduction), [1.0, 0.0, 0.0])
    swing = trimesh.transformations.rotation_matrix(np.radians(-flexion), [0.0, 1.0, 0.0])
    return (swing @ raise_out @ down)[:3]


def _leg(b: Build, hip: np.ndarray, hip_angle: float, knee: float, segments: int) -> list[trimesh.Trimesh]:
    knee_at = hip + b.thigh * _swing(hip_angle)
    ankle = knee_at + b.shin * _swing(hip_angle - knee)
    return _leg_parts(b, hip, knee_at, ankle, np.radians(hip_angle - knee), segments)


def _leg_parts(b: Build, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, foot_pitch: float,
               segments: int) -> list[trimesh.Trimesh]:
    """Thigh, shin and a foot pointing forward (pitched with the shin by ``foot_pitch``, radians)."""
    forward = np.array([np.cos(foot_pitch), 0.0, np.sin(foot_pitch)])
    up = np.array([-np.sin(foot_pitch), 0.0, np.cos(foot_pitch)])
    heel = ankle - 0.025 * b.height * forward - (0.02 * b.height) * up
    toe = heel + 0.12 * b.height * forward
    return [capsule_between(hip, knee, b.thigh_r, TROUSERS, segments),
            capsule_between(knee, ankle, b.shin_r, TROUSERS, segments),
            capsule_between(heel, toe, b.foot_r, SHOES, segments)]


def _arm_parts(b: Build, shoulder: np.ndarray, elbow: np.ndarray, hand: np.ndarray, skin: PartColor,
               segments: int) -> list[trimesh.Trimesh]:
    return [capsule_between(shoulder, elbow, b.arm_r, SHIRT, segments),
            capsule_between(elbow, hand, b.forearm_r, skin, segments),
            sphere(hand, b.hand_r / 1.4, skin, segments)]


def _arm(b: Build, shoulder: np.ndarray, pose: Pose, index: int, side: float, skin: PartColor,
         segments: int) -> list[trimesh.Trimesh]:
    flexion, abduction = pose.shoulder[index], pose.abduction[index]
    elbow = shoulder + b.upper_arm * _arm_direction(flexion, abduction, side)
    hand = elbow + b.forearm * _arm_direction(flexion + pose.elbow[index], abduction, side)
    return _arm_parts(b, shoulder, elbow, hand, skin, segments)


def _torso_and_head(b: Build, pelvis: np.ndarray, lean_deg: float, skin: PartColor,
                    segments: int) -> tuple[list[trimesh.Trimesh], np.ndarray]:
    """Torso (a flattened capsule), neck and head; returns the parts and the shoulders' midpoint."""
    up = _swing(180.0 - lean_deg)  # lean forward of straight up
    top = pelvis + b.torso * up
    torso = capsule_between(pelvis + 0.04 * b.height * up, top - 0.02 * b.height * up, b.torso_r, SHIRT, segments)
    flatten = np.diag([0.65, 1.0, 1.0, 1.0])
    centre = (pelvis + top) / 2
    torso.apply_translation(-centre)
    torso.apply_transform(flatten)
    torso.apply_translation(centre)
    head_up = _swing(180.0 - lean_deg / 3)
    neck_top = top + b.neck * head_up
    head = sphere(neck_top + b.head_r * head_up, b.head_r, skin, segments)
    head.apply_translation(-(neck_top + b.head_r * head_up))
    head.apply_transform(np.diag([0.85, 0.75, 1.0, 1.0]))
    head.apply_translation(neck_top + b.head_r * head_up)
    neck = capsule_between(top - 0.02 * b.height * up, neck_top, 0.028 * b.height, skin, segments)
    shoulders = pelvis + (b.shoulder_z - b.hip_z) * up
    return [torso, neck, head], shoulders


def _scaled(pose: Pose, stride: float) -> Pose:
    """``pose`` with its gait angles (hips, knees, shoulder swing) scaled by ``stride``."""
    def scale(pair: tuple[float, float]) -> tuple[float, float]:
        return (pair[0] * stride, pair[1] * stride)
    return Pose(scale(pose.hip), scale(pose.knee), scale(pose.shoulder), pose.elbow, pose.abduction, pose.lean)


def pedestrian(height: float = 1.75, pose: str = "walking", stride: float = 1.0, girth: float = 1.0,
               skin: float = 0.5, segments: int = 12) -> trimesh.Trimesh:
    """A standing, walking, running or waving person facing +X.

    Args:
        height: standing stature, metres.
        pose: ``standing``, ``walking``, ``running`` or ``waving``.
        stride: factor on the pose's leg and arm swing (0 = legs together).
        girth: factor on the limbs' and torso's thickness.
        skin: skin tone, 0 (light) to 1 (dark).
        segments: sides of each capsule.
    """
    b, angles, tone = Build(height, girth), _scaled(POSES[pose], stride), skin_color(skin)
    pelvis = np.array([0.0, 0.0, b.hip_z])
    parts, shoulders = _torso_and_head(b, pelvis, angles.lean, tone, segments)
    for index, side in enumerate((1.0, -1.0)):  # left (+Y), right
        parts += _leg(b, pelvis + [0.0, side * b.hip_y, 0.0], angles.hip[index], angles.knee[index], segments)
        parts += _arm(b, shoulders + [0.0, side * b.shoulder_y, 0.0], angles, index, side, tone, segments)
    return assemble(parts)


PEDESTRIAN = Generator(
    kind="pedestrian", version=1, build=pedestrian, parts=("shirt", "trousers", "shoes", "skin"),
    doc="an articulated person (capsule limbs, ellipsoid head) in a standing, walking, running or waving pose",
    params=(
        Param("height", 1.75, "standing stature, metres", 0.9, 2.2, step=0.01),
        Param("pose", "walking", "joint angles of the figure", options=tuple(POSES)),
        Param("stride", 1.0, "factor on the pose's leg and arm swing (0: feet together)", 0.0, 1.5, step=0.1),
        Param("girth", 1.0, "factor on the thickness of torso and limbs", 0.7, 1.4, step=0.05),
        Param("skin", 0.5, "skin tone, 0 (light) to 1 (dark)", 0.0, 1.0, step=0.05),
        Param("segments", 12, "sides of each limb", 6, 32, integer=True),
    ),
)


def two_bone(root: np.ndarray, target: np.ndarray, first: float, second: float,
             bend: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Joint and end of a two-segment limb from ``root`` reaching for ``target``.

    The middle joint bends towards ``bend``; a target out of reach gets a straight limb
    pointing at it (the end falls short).
    """
    offset = target - root
    distance = float(np.linalg.norm(offset))
    direction = offset / distance
    reach = min(max(distance, abs(first - second) + 1e-6), first + second - 1e-6)
    cos_a = (first ** 2 + reach ** 2 - second ** 2) / (2 * first * reach)
    perpendicular = bend - np.dot(bend, direction) * direction
    perpendicular /= np.linalg.norm(perpendicular)
    joint = root + first * (cos_a * direction + np.sqrt(max(0.0, 1 - cos_a ** 2)) * perpendicular)
    return joint, root + reach * direction


FRAME = PartColor("frame", (0.8, 0.8, 0.8), tint=True)
METAL = PartColor("metal", (0.35, 0.35, 0.37), tint=False)
SADDLE = PartColor("saddle", (0.03, 0.028, 0.025), tint=False)
BIKE_TYRE = PartColor("tyre", (0.015, 0.015, 0.015), tint=False)
SEAT_TUBE = np.array([-np.cos(np.radians(73)), 0.0, np.sin(np.radians(73))])
"""Direction of the seat tube (73 degrees, leaning back)."""


@dataclass(frozen=True)
class Bicycle:
    """The bicycle's key points (metres, +X forward, hubs at z = wheel radius)."""

    wheel_radius: float
    rear: np.ndarray
    front: np.ndarray
    bracket: np.ndarray
    seat_top: np.ndarray
    saddle: np.ndarray
    head_top: np.ndarray
    head_bottom: np.ndarray
    bar: np.ndarray


GRIP_Y = 0.22
"""Distance of the hands from the bicycle's midplane, metres."""


def _bar_rise(bar: np.ndarray, shoulder: np.ndarray, reach: float) -> float:
    """How far to raise the handlebar above ``bar`` so a hand at ``reach`` from ``shoulder`` gets to it.

    0 when it already does; the rise closest to the shoulder when nothing does (the arm points at it).
    """
    offset = bar - shoulder
    if np.linalg.norm(offset) <= reach:
        return 0.0
    horizontal = offset[0] ** 2 + offset[1] ** 2
    if horizontal >= reach ** 2:
        return max(0.0, -offset[2])
    return max(0.0, -offset[2] - np.sqrt(reach ** 2 - horizontal))


def _bicycle(b: Build, wheel_radius: float, lean: float) -> Bicycle:
    """Frame points for a rider of build ``b``: the saddle so the leg reaches the low pedal, the
    handlebar swept back and raised (a city bike's) until the hands of a rider leaning ``lean`` reach it."""
    rear, front = np.array([-0.5, 0.0, wheel_radius]), np.array([0.52, 0.0, wheel_radius])
    bracket = np.array([-0.08, 0.0, wheel_radius - 0.07])
    low_ankle = bracket + [-0.04, 0.0, -0.17 + 0.05]
    relative = low_ankle - bracket - [0.0, 0.0, 0.06]
    along = float(np.dot(SEAT_TUBE, relative))
    reach = 0.96 * (b.thigh + b.shin)
    distance = along + np.sqrt(max(along ** 2 - np.dot(relative, relative) + reach ** 2, 0.0))
    saddle = bracket + distance * SEAT_TUBE
    seat_top = bracket + min(0.3 * b.height, distance - 0.08) * SEAT_TUBE
    head_top = np.array([0.4, 0.0, seat_top[2] + 0.02])
    head_bottom = head_top + 0.15 * np.array([np.cos(np.radians(72)), 0.0, -np.sin(np.radians(72))])
    shoulder = saddle + [0.0, b.shoulder_y, 0.06] + (b.shoulder_z - b.hip_z) * _swing(180.0 - lean)
    reach = 0.97 * (b.upper_arm + b.forearm)
    bar = head_top + [0.06, 0.0, 0.12]
    bar = bar - [min(0.25, max(0.0, bar[0] - shoulder[0] - 0.75 * reach)), 0.0, 0.0]  # a swept-back bar
    bar = bar + [0.0, 0.0, _bar_rise(bar + [0.0, GRIP_Y, 0.0], shoulder, reach)]
    return Bicycle(wheel_radius, rear, front, bracket, seat_top, saddle, head_top, head_bottom, bar)


def _wheel(hub: np.ndarray, radius: float, segments: int) -> list[trimesh.Trimesh]:
    parts = [torus_y(hub, radius - 0.017, 0.017, BIKE_TYRE, segments),
             torus_y(hub, radius - 0.04, 0.008, METAL, segments),
             cylinder_between(hub - [0, 0.05, 0], hub + [0, 0.05, 0], 0.02, METAL, 8)]
    for k in range(8):
        angle = np.pi * k / 4
        rim = hub + (radius - 0.045) * np.array([np.cos(angle), 0.0, np.sin(angle)])
        parts.append(cylinder_between(hub, rim, 0.003, METAL, 4))
    return parts


def _frame(bike: Bicycle, crank: float, segments: int) -> list[trimesh.Trimesh]:
    tube, side = 0.018, np.array([0.0, 0.06, 0.0])
    parts = [cylinder_between(a, c, tube, FRAME, 8) for a, c in (
        (bike.bracket, bike.seat_top), (bike.seat_top, bike.head_top), (bike.bracket, bike.head_bottom),
        (bike.head_bottom, bike.head_top))]
    for y in (side, -side):
        parts += [cylinder_between(bike.bracket, bike.rear + y, 0.011, FRAME, 8),
                  cylinder_between(bike.seat_top, bike.rear + y, 0.011, FRAME, 8),
                  cylinder_between(bike.head_bottom, bike.front + y * 0.8, 0.012, FRAME, 8)]
    parts += [cylinder_between(bike.seat_top, bike.saddle, 0.013, METAL, 8),
              cylinder_between(bike.head_top, bike.bar, 0.014, METAL, 8),
              cylinder_between(bike.bar - [0, 0.28, 0], bike.bar + [0, 0.28, 0], 0.012, METAL, 8),
              box(bike.saddle + [-0.13, -0.07, 0.0], bike.saddle + [0.12, 0.07, 0.045], SADDLE)]
    for pedal in _pedals(bike, crank):
        parts += [cylinder_between(bike.bracket + [0, np.sign(pedal[1]) * 0.07, 0], pedal, 0.012, METAL, 6),
                  box(pedal - [0.05, 0.045, 0.012], pedal + [0.05, 0.045, 0.012], SADDLE)]
    return parts + _wheel(bike.rear, bike.wheel_radius, segments) + _wheel(bike.front, bike.wheel_radius, segments)


def _pedals(bike: Bicycle, crank: float) -> tuple[np.ndarray, np.ndarray]:
    """The left (+Y) and right pedals at crank angle ``crank`` (degrees, 0 = forward)."""
    angle = np.radians(crank)
    arm = 0.17 * np.array([np.cos(angle), 0.0, np.sin(angle)])
    return bike.bracket + arm + [0, 0.11, 0], bike.bracket - arm - [0, 0.11, 0]


def _rider(b: Build, bike: Bicycle, lean: float, crank: float, skin: PartColor,
           segments: int) -> list[trimesh.Trimesh]:
    """The rider: on the saddle, feet on the pedals, hands on the bar (as far as the arms reach)."""
    pelvis = bike.saddle + [0.0, 0.0, 0.06]
    parts, shoulders = _torso_and_head(b, pelvis, lean, skin, segments)
    for side, pedal in zip((1.0, -1.0), _pedals(bike, crank)):
        hip = pelvis + [0.0, side * b.hip_y, 0.0]
        ankle = pedal + [-0.04, 0.0, 0.05]
        knee, ankle = two_bone(hip, ankle, b.thigh, b.shin, np.array([1.0, 0.0, 0.3]))
        parts += _leg_parts(b, hip, knee, ankle, 0.0, segments)
        shoulder = shoulders + [0.0, side * b.shoulder_y, 0.0]
        elbow, hand = two_bone(shoulder, bike.bar + [0.0, side * GRIP_Y, 0.0], b.upper_arm, b.forearm,
                               np.array([-0.3, side * 0.4, -1.0]))
        parts += _arm_parts(b, shoulder, elbow, hand, skin, segments)
    return parts


def cyclist(rider_height: float = 1.75, lean: float = 50.0, crank: float = 30.0, wheel_radius: float = 0.34,
            girth: float = 1.0, skin: float = 0.5, segments: int = 16) -> trimesh.Trimesh:
    """A rider on a bicycle, riding towards +X.

    Args:
        rider_height: the rider's standing stature, metres (the saddle height follows it).
        lean: the rider's torso lean forward of vertical, degrees.
        crank: crank angle, degrees (0 = left pedal forward).
        wheel_radius: outer radius of the tyres, metres.
        girth: factor on the rider's thickness.
        skin: skin tone, 0 (light) to 1 (dark).
        segments: sides of the tyres and limbs.
    """
    b = Build(rider_height, girth)
    bike = _bicycle(b, wheel_radius, lean)
    return assemble([*_frame(bike, crank, segments), *_rider(b, bike, lean, crank, skin_color(skin), segments)])


CYCLIST = Generator(
    kind="cyclist", version=2, build=cyclist,
    parts=("frame", "metal", "saddle", "tyre", "shirt", "trousers", "shoes", "skin"),
    doc="a rider on a bicycle (frame tubes, two spoked wheels, handlebar, saddle, cranks), feet on the pedals",
    params=(
        Param("rider_height", 1.75, "the rider's standing stature, metres", 1.3, 2.1, step=0.01),
        Param("lean", 50.0, "torso lean forward of vertical, degrees", 20.0, 70.0, step=2.5),
        Param("crank", 30.0, "crank angle, degrees (0: left pedal forward)", 0.0, 360.0, step=10.0),
        Param("wheel_radius", 0.34, "tyre outer radius, metres", 0.25, 0.37, step=0.01),
        Param("girth", 1.0, "factor on the rider's thickness", 0.7, 1.4, step=0.05),
        Param("skin", 0.5, "skin tone, 0 (light) to 1 (dark)", 0.0, 1.0, step=0.05),
        Param("segments", 16, "sides of the tyres and limbs", 6, 48, integer=True),
    ),
)
