"""An OBJ's .mtl and texture maps and a glTF's buffers and images are listed with their asset."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from synthscape.assets.provenance import asset_provenance
from synthscape.assets.side_files import mesh_side_files

CUBE_OBJ = "mtllib duck.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nusemtl skin\nf 1 2 3\n"
MTL = "newmtl skin\nKd 1 1 1\nmap_Kd -bm 1.0 textures/duckCM.png\nbump missing.png\n"


def _library(tmp_path: Path) -> Path:
    (tmp_path / "textures").mkdir()
    (tmp_path / "textures" / "duckCM.png").write_bytes(b"png bytes")
    (tmp_path / "duck.mtl").write_text(MTL)
    (tmp_path / "duck.obj").write_text(CUBE_OBJ)
    (tmp_path / "duck.obj.license").write_text("CC0-1.0\n")
    (tmp_path / "scene.bin").write_bytes(b"\0" * 36)
    (tmp_path / "scene.gltf").write_text(json.dumps({
        "buffers": [{"uri": "scene.bin", "byteLength": 36}, {"uri": "data:application/octet-stream;base64,AAAA"}],
        "images": [{"uri": "textures/duckCM.png"}]}))
    return tmp_path


def test_side_files_of_obj_and_gltf(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    assert mesh_side_files(lib / "duck.obj") == [("material", lib / "duck.mtl"),
                                                 ("texture", lib / "textures" / "duckCM.png")]
    assert mesh_side_files(lib / "scene.gltf") == [("buffer", lib / "scene.bin"),
                                                   ("texture", lib / "textures" / "duckCM.png")]
    assert mesh_side_files(lib / "missing.obj") == []


def test_dataset_json_records_list_the_side_files_with_hashes(tmp_path: Path) -> None:
    lib = _library(tmp_path)
    meta = {"objects": [{"instance_id": 1, "shape": "mesh", "mesh_path": str(lib / "duck.obj")}]}
    (record,) = asset_provenance([(0, meta)], lib)
    assert record["path"] == "duck.obj" and record["license"] == "CC0-1.0"
    files = {f["path"]: f for f in record["files"]}
    assert set(files) == {"duck.mtl", "textures/duckCM.png"}
    assert files["textures/duckCM.png"]["sha256"] == hashlib.sha256(b"png bytes").hexdigest()
    assert files["duck.mtl"]["role"] == "material"
