"""Farm files: the Kubernetes Indexed Job manifest and the worker image's apt list."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
HEADLESS = REPO / "headless"
BASE_LIBRARIES = {"libc6"}
"""In every Debian image (libc, libm, libpthread, libdl, librt, libutil)."""
GPU_DRIVER_LIBS = re.compile(r"^lib(cuda|nvidia|nvoptix|nvrtc|amdhip64|ze_loader|OpenCL|hsa-runtime64)")
"""Injected by the NVIDIA/AMD/Intel container runtimes, never installed by apt."""


def apt_packages() -> set[str]:
    lines = (HEADLESS / "apt-packages.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def render_job() -> dict:
    return yaml.safe_load((HEADLESS / "k8s" / "job.yaml").read_text())


def test_indexed_job_manifest_has_the_farm_fields() -> None:
    job = render_job()
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    assert spec["completions"] >= spec["parallelism"] >= 1 and spec["backoffLimitPerIndex"] >= 1
    pod = spec["template"]["spec"]
    container = pod["containers"][0]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    args = container["args"]
    assert args[0] == "render" and args[1].startswith("scenes/")
    assert int(args[args.index("--num-shards") + 1]) == spec["completions"]
    out = args[args.index("--out") + 1]
    mount = container["volumeMounts"][0]
    assert out.startswith(mount["mountPath"] + "/")
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert volume["persistentVolumeClaim"]["claimName"]
    assert (REPO / args[1]).is_file()
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    assert set(env.get("NVIDIA_DRIVER_CAPABILITIES", "").split(",")) >= {"compute", "utility", "graphics"}


def test_merge_job_merges_the_same_folder() -> None:
    merge = yaml.safe_load((HEADLESS / "k8s" / "merge-job.yaml").read_text())
    container = merge["spec"]["template"]["spec"]["containers"][0]
    render_args = render_job()["spec"]["template"]["spec"]["containers"][0]["args"]
    assert container["args"] == ["merge", render_args[render_args.index("--out") + 1]]


def test_dockerfile_installs_the_apt_list_and_sets_nvidia_capabilities() -> None:
    text = (HEADLESS / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.11-slim-bookworm$", text, re.M)
    assert "COPY headless/apt-packages.txt" in text and "$(cat /tmp/apt-packages.txt)" in text
    assert re.search(r"NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics", text)
    assert re.search(r'^ENTRYPOINT \["synthscape"\]$', text, re.M)


def _linked_system_libraries(binaries: list[Path], venv_root: Path) -> set[Path]:
    libraries = set()
    for binary in binaries:
        output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=False).stdout
        for match in re.finditer(r"^\s*(\S+) => (/\S+) \(0x", output, re.M):
            name, path = match.group(1), Path(match.group(2))
            if venv_root not in path.resolve().parents and not GPU_DRIVER_LIBS.match(name):
                libraries.add(path)
    return libraries


def _debian_package(library: Path) -> str:
    for candidate in (library, library.resolve()):
        result = subprocess.run(["dpkg", "-S", str(candidate)], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].strip()
    raise AssertionError(f"{library}: no Debian package owns it (dpkg -S)")


@pytest.mark.skipif(not (shutil.which("ldd") and shutil.which("dpkg")), reason="needs ldd and dpkg (Debian)")
def test_apt_list_covers_what_bpy_and_open3d_link() -> None:
    binaries: list[Path] = []
    for module, patterns in (("bpy", ["__init__*.so", "lib/*.so*"]), ("open3d", ["pybind*.so", "cpu/pybind*.so"])):
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            pytest.skip(f"{module} is not installed")
        root = Path(next(iter(spec.submodule_search_locations)))
        binaries += [p for pattern in patterns for p in root.glob(pattern) if p.is_file()]
    assert any(p.name.startswith("pybind") for p in binaries) and any(p.parent.name == "bpy" for p in binaries)
    site_packages = binaries[0].parents[1] if binaries[0].parent.name == "bpy" else binaries[0].parents[2]
    libraries = _linked_system_libraries(binaries, site_packages)
    assert libraries, "ldd resolved no system library: the check would be vacuous"
    needed = {_debian_package(lib): lib for lib in libraries}
    missing = {pkg: str(lib) for pkg, lib in needed.items() if pkg not in apt_packages() | BASE_LIBRARIES}
    assert not missing, f"add these packages to headless/apt-packages.txt: {missing}"
