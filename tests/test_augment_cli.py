"""The ``synthscape augment`` click command."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from headless.commands.augment import augment
from synthscape.augment.synthetic import make_synthetic_dataset


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return make_synthetic_dataset(tmp_path_factory.mktemp("src"), frames=1)


def test_augment_writes_dataset(source, tmp_path):
    config = tmp_path / "augment.yaml"
    config.write_text("augment:\n  ops:\n    - {op: hflip, p: 0.5}\n    - {op: jpeg}\n")
    result = CliRunner().invoke(augment, [str(source), "--copies", "2", "--out",
                                          str(tmp_path / "out"), "--seed", "4", "--config",
                                          str(config)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["images"] == 2 and summary["ops_applied"]["jpeg"] == 2
    assert (tmp_path / "out" / "rgb" / "000000_k1.png").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["{missing}", "--out", "{out}"], "dataset folder not found"),
    (["{src}", "--out", "{src}"], "separate folder"),
    (["{src}", "--out", "{out}", "--config", "{bad}"], "unknown op"),
    (["{src}", "--out", "{out}", "--config", "{missing}"], "--config file not found"),
])
def test_bad_input_exits_2(source, tmp_path, args, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text("ops:\n  - {op: nope}\n")
    paths = {"src": source, "out": tmp_path / "out", "bad": bad, "missing": tmp_path / "nope"}
    result = CliRunner().invoke(augment, [a.format(**paths) for a in args])
    assert result.exit_code == 2
    assert message in result.output


def test_default_ops_come_from_the_recorded_recipe(tmp_path):
    src = make_synthetic_dataset(tmp_path / "src", frames=1)
    (src / "dataset.json").write_text(json.dumps(
        {"recipe": {"augment": {"ops": [{"op": "vignette"}]}}}))
    result = CliRunner().invoke(augment, [str(src), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ops_applied"] == {"vignette": 1}
