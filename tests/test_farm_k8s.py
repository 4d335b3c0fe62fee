"""The Kubernetes manifests (headless/k8s/*.yaml) are valid for Kubernetes 1.37 (kubernetes-validate)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

K8S = Path(__file__).resolve().parents[1] / "headless" / "k8s"
KUBERNETES_VERSION = "1.37.0"
MANIFESTS = sorted(K8S.glob("*.yaml"))


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def test_the_manifests_are_found() -> None:
    assert {p.name for p in MANIFESTS} >= {"job.yaml", "merge-job.yaml"}


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_validates_strictly_against_the_schemas(path: Path) -> None:
    docs = documents(path)
    assert docs, f"{path.name} holds no resource"
    for doc in docs:
        # strict: unknown fields (a typo in a key) are errors, as `kubectl apply` refuses them
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("damage", ["unknown field", "wrong type", "missing required field"])
def test_a_damaged_manifest_is_refused(damage: str) -> None:
    """The check is not vacuous: the same Job with one mistake fails validation."""
    job = copy.deepcopy(documents(K8S / "job.yaml")[0])
    if damage == "unknown field":
        job["spec"]["paralellism"] = job["spec"].pop("parallelism")
    elif damage == "wrong type":
        job["spec"]["completions"] = "eight"
    else:
        del job["spec"]["template"]["spec"]["containers"][0]["name"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
