"""Install the built extension zip with Blender's own installer, then drive its operators.

Each case runs in a fresh Python (Blender's user folders must point at a temporary folder
before ``bpy`` is imported). Set ``SYNTHSCAPE_BPY42_PYTHON`` / ``SYNTHSCAPE_BPY45_PYTHON`` to a
Python with ``bpy==4.2.*`` / ``bpy==4.5.*`` (and nothing else, like a real Blender) to run the
same checks on Blender 4.2 LTS, the oldest supported line, and 4.5 LTS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

pycocotools_coco = pytest.importorskip("pycocotools.coco")

SCRIPT = textwrap.dedent('''
    import json, os, sys
    home, zip_path, out, mode, recipe = sys.argv[1:6]
    for key in ("BLENDER_USER_RESOURCES", "BLENDER_USER_CONFIG", "BLENDER_USER_SCRIPTS",
                "BLENDER_USER_EXTENSIONS", "BLENDER_USER_DATAFILES"):
        os.environ[key] = os.path.join(home, key.lower())
    import bpy
    result = {"blender": bpy.app.version_string}
    bpy.ops.wm.read_factory_settings(use_empty=True)
    result["install"] = sorted(bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=True))
    names = [n for n in dir(bpy.types) if n.startswith("SYNTHSCAPE_")]
    result["classes"] = names
    if mode == "scene":
        for index, (shape, category, kitti) in enumerate([("cube", "crate", "Misc"), ("uv_sphere", "ball", "NONE"),
                                                         ("cube", "crate", "Misc")]):
            size = {"size": 0.6} if shape == "cube" else {"radius": 0.3}
            getattr(bpy.ops.mesh, f"primitive_{shape}_add")(location=(index * 0.8, 0.0, 0.3), **size)
            settings = bpy.context.scene.synthscape
            settings.tag_category, settings.tag_kitti_type = category, kitti
            assert bpy.ops.synthscape.tag_selected() == {"FINISHED"}
        blend = os.path.join(home, "tagged.blend")
        bpy.ops.wm.save_as_mainfile(filepath=blend)
        bpy.ops.wm.open_mainfile(filepath=blend)
        result["tags"] = {o.name: o.get("synthscape_category") for o in bpy.context.scene.objects}
    settings = bpy.context.scene.synthscape
    settings.mode = mode
    settings.recipe_path = recipe
    settings.out_dir = out
    settings.resolution = (64, 48)
    settings.samples = 1
    settings.frames = 2
    settings.seed = 7
    settings.device = "cpu"
    settings.camera_distance = (3.0, 4.0)
    result["validate"] = sorted(bpy.ops.synthscape.validate())
    result["preview"] = sorted(bpy.ops.synthscape.preview())
    collection = bpy.data.collections.get("Synthscape Preview")
    result["preview_objects"] = len(collection.objects) if collection else 0
    result["generate"] = sorted(bpy.ops.synthscape.generate())
    bpy.ops.preferences.addon_disable(module="bl_ext.user_default.synthscape")
    result["left_after_unregister"] = [n for n in dir(bpy.types) if n.startswith("SYNTHSCAPE_")]
    result["scene_pointer_left"] = hasattr(bpy.types.Scene, "synthscape")
    print("RESULT " + json.dumps(result))
''')

RECIPE = {
    "name": "addon_test", "seed": 7, "frames": 2,
    "categories": [{"name": "box", "kitti_type": "Car"}],
    "objects": [{"category": "box", "shape": "cube", "count": 2, "scale": 0.3},
                {"category": "ball", "shape": "sphere", "count": 1, "scale": 0.3}],
    "placement": {"area": [2.0, 2.0]},
    "camera": {"resolution": [64, 48], "distance": 4.0, "elevation": 40.0},
    "render": {"samples": 1, "denoise": False, "device": "cpu"},
}


@pytest.fixture(scope="module")
def extension_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension built by :func:`synthscape.extension.build_extension` (wheels cached)."""
    from synthscape.extension import build_extension

    try:
        return build_extension(tmp_path_factory.mktemp("dist"))
    except RuntimeError as error:  # no package index and an empty wheel cache
        pytest.skip(f"cannot fetch the bundled wheels: {error}")


OLDER_BLENDERS = {"4.2": "SYNTHSCAPE_BPY42_PYTHON", "4.5": "SYNTHSCAPE_BPY45_PYTHON"}
"""The LTS lines tested besides this venv's bpy, and the variable naming a Python with each."""


def interpreters() -> list[object]:
    """The venv's Python (bpy 5.0) and, when configured, Pythons with bpy 4.2 and 4.5 (LTS)."""
    found: list[object] = [pytest.param(sys.executable, id="bpy-current")]
    for line, variable in OLDER_BLENDERS.items():
        python = os.environ.get(variable)
        found.append(pytest.param(python or "", id=f"bpy-{line}", marks=pytest.mark.skipif(
            not python, reason=f"set {variable} to a Python with bpy=={line}.*")))
    return found


def check_blender_line(python: str, result: dict) -> None:
    """A configured older interpreter really runs that Blender line (not a newer bpy by mistake)."""
    for line, variable in OLDER_BLENDERS.items():
        if python and python == os.environ.get(variable):
            assert result["blender"].startswith(line + "."), f"{variable} runs Blender {result['blender']}"


def run_in_blender(python: str, extension_zip: Path, tmp_path: Path, mode: str, recipe: str = "") -> dict:
    """Run :data:`SCRIPT` in a fresh interpreter (outside the repo, so synthscape comes from the zip)."""
    script = tmp_path / "drive_addon.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, str(script), str(tmp_path / "home"), str(extension_zip),
                           str(tmp_path / "out"), mode, recipe], cwd=tmp_path, env=env, check=False,
                          capture_output=True, text=True, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"driver failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    result = json.loads(lines[-1][len("RESULT "):])
    check_blender_line(python, result)
    return result


def check_common(result: dict, out: Path) -> pycocotools_coco.COCO:
    """Registered, validated, previewed, generated, cleanly unregistered; returns the COCO."""
    assert result["install"] == ["FINISHED"]
    assert {"SYNTHSCAPE_PT_main", "SYNTHSCAPE_PT_objects", "SYNTHSCAPE_PT_outputs",
            "SYNTHSCAPE_OT_generate", "SYNTHSCAPE_OT_preview"} <= set(result["classes"])
    assert result["validate"] == ["FINISHED"]
    assert result["preview"] == ["FINISHED"] and result["preview_objects"] > 0
    assert result["generate"] == ["FINISHED"]
    assert result["left_after_unregister"] == [] and not result["scene_pointer_left"]
    assert sorted(p.name for p in (out / ".done").iterdir()) == ["000000", "000001"]
    coco = pycocotools_coco.COCO(str(out / "coco" / "annotations.json"))
    assert len(coco.getImgIds()) == 2
    return coco


@pytest.mark.blender
@pytest.mark.parametrize("python", interpreters())
def test_install_preview_generate_from_recipe(python: str, extension_zip: Path, tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(RECIPE), encoding="utf-8")
    result = run_in_blender(python, extension_zip, tmp_path, "recipe", str(recipe))
    coco = check_common(result, tmp_path / "out")
    assert {c["name"] for c in coco.loadCats(coco.getCatIds())} == {"box", "ball"}
    assert coco.getAnnIds(), "no annotations: the objects are not in view"


@pytest.mark.blender
@pytest.mark.parametrize("python", interpreters())
def test_tagged_scene_categories_match_tags(python: str, extension_zip: Path, tmp_path: Path) -> None:
    result = run_in_blender(python, extension_zip, tmp_path, "scene")
    assert sorted(v for v in result["tags"].values() if v) == ["ball", "crate", "crate"]
    coco = check_common(result, tmp_path / "out")
    categories = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    assert set(categories.values()) == {"crate", "ball"}
    annotations = coco.loadAnns(coco.getAnnIds())
    assert annotations
    per_image: dict[int, list[str]] = {}
    for ann in annotations:
        per_image.setdefault(ann["image_id"], []).append(categories[ann["category_id"]])
    for names in per_image.values():
        assert names.count("ball") <= 1 and names.count("crate") <= 2
    recipe = yaml.safe_load((tmp_path / "out" / "scene_recipe" / "recipe.yaml").read_text(encoding="utf-8"))
    assert [g["category"] for g in recipe["objects"]] == ["crate", "crate", "ball"]  # sorted by object name
    assert (tmp_path / "out" / "kitti").is_dir(), "the crate tags carry KITTI type Misc"
    if python == sys.executable:
        assert_same_as_cli(tmp_path / "out", tmp_path / "cli_out")


def assert_same_as_cli(panel_out: Path, cli_out: Path) -> None:
    """``synthscape render`` of the panel's recipe gives the same annotations as the panel."""
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    done = subprocess.run([sys.executable, "-m", "headless.cli", "render",
                           str(panel_out / "scene_recipe" / "recipe.yaml"), "--out", str(cli_out)],
                          cwd=repo, env=env, check=False, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    panel, cli = (json.loads((d / "coco" / "annotations.json").read_text(encoding="utf-8"))
                  for d in (panel_out, cli_out))
    for key in ("images", "annotations", "categories"):
        assert panel[key] == cli[key], f"COCO {key} differ between the panel and synthscape render"
    names = sorted(p.name for p in (panel_out / "kitti" / "training" / "label_2").glob("*.txt"))
    assert len(names) == 2
    for name in names:
        assert (panel_out / "kitti/training/label_2" / name).read_text() == \
            (cli_out / "kitti/training/label_2" / name).read_text()
