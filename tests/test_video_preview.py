"""``synthscape preview DIR --video``: one MP4 (or GIF) per sequence that decodes to the right frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from headless.cli import main
from synthscape.io.images import write_exr
from synthscape.preview import tile_scale
from synthscape.preview_video import dataset_sequences, flow_to_color, pad_to_block, read_flow
from tests.test_tracking_support import HEIGHT, WIDTH, write_sequences

LENGTH = 5
SEQUENCES = (0, 1)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("video")
    frames = write_sequences(out, SEQUENCES, LENGTH, outputs=("rgb", "instance", "meta"))
    for g in frames:  # a flow field like F2's: float32 R = dx, G = dy, NaN where no surface
        dx = np.full((HEIGHT, WIDTH), 2.0 + g % LENGTH, np.float32)
        dy = np.linspace(-3, 3, HEIGHT, dtype=np.float32)[:, None].repeat(WIDTH, axis=1)
        dx[:4] = np.nan
        write_exr(out / "flow_fw" / f"{g:06d}.exr", {"R": dx, "G": dy})
    return out


def video_size(panels: int) -> tuple[int, int]:
    scale = tile_scale(WIDTH)
    return tuple(int(v) for v in pad_to_block(np.zeros((HEIGHT * scale, panels * WIDTH * scale, 3))).shape[1::-1])


def test_sequences_come_from_the_meta_clock(dataset) -> None:
    found = dataset_sequences(dataset)
    assert list(found) == list(SEQUENCES)
    assert found[1] == ([f"{LENGTH + t:06d}" for t in range(LENGTH)], 10.0)


def test_mp4_per_sequence_decodes_with_every_frame_at_the_panel_size(dataset, tmp_path: Path) -> None:
    import imageio_ffmpeg

    result = CliRunner().invoke(main, ["preview", str(dataset), "--video", "--out", str(tmp_path / "v")])
    assert result.exit_code == 0, result.output
    videos = sorted((tmp_path / "v").iterdir())
    assert [p.name for p in videos] == ["0000.mp4", "0001.mp4"]
    reader = imageio_ffmpeg.read_frames(str(videos[1]))
    meta = next(reader)
    frames = [np.frombuffer(f, np.uint8) for f in reader]
    width, height = video_size(3)  # boxes, flow, instances
    assert tuple(meta["size"]) == (width, height) and meta["fps"] == pytest.approx(10.0)
    assert len(frames) == LENGTH and all(f.size == width * height * 3 for f in frames)
    first = frames[0].reshape(height, width, 3)
    assert first[:, width // 3: 2 * width // 3].std() > 10  # the flow panel is not blank


def test_gif_and_the_sequence_choice(dataset, tmp_path: Path) -> None:
    from PIL import Image

    result = CliRunner().invoke(main, ["preview", str(dataset), "--video", "--gif", "--sequences", "1",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0001.gif"]
    with Image.open(tmp_path / "0001.gif") as gif:
        assert gif.n_frames == LENGTH and gif.size == tuple(video_size(3))
    bad = CliRunner().invoke(main, ["preview", str(dataset), "--video", "--sequences", "7", "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "no frames of sequence(s) [7]" in bad.output


def test_without_flow_there_are_two_panels(dataset, tmp_path: Path) -> None:
    import shutil

    import imageio_ffmpeg

    copy = tmp_path / "noflow"
    shutil.copytree(dataset, copy)
    shutil.rmtree(copy / "flow_fw")
    result = CliRunner().invoke(main, ["preview", str(copy), "--video", "--sequences", "0"])
    assert result.exit_code == 0, result.output
    meta = next(imageio_ffmpeg.read_frames(str(copy / "preview" / "0000.mp4")))
    assert tuple(meta["size"]) == video_size(2)


def test_flow_colour_wheel() -> None:
    flow = np.array([[[0.0, 0.0], [4.0, 0.0], [-4.0, 0.0], [np.nan, np.nan]]], np.float32)
    colors = flow_to_color(flow)
    assert colors[0, 0].tolist() == [255, 255, 255]  # no motion: white
    assert colors[0, 1, 0] == 255 and colors[0, 1, 1:].max() < 60  # right: red (Middlebury wheel)
    assert colors[0, 2, 0] == 0 and colors[0, 2, 2] == 255  # left: the opposite side, cyan to blue
    assert colors[0, 3].tolist() == [0, 0, 0]  # no surface: black


def test_read_flow_gives_dx_dy(dataset) -> None:
    flow = read_flow(dataset / "flow_fw" / f"{LENGTH + 2:06d}.exr")
    assert flow.shape == (HEIGHT, WIDTH, 2) and flow.dtype == np.float32
    assert np.isnan(flow[0, 0, 0]) and flow[10, 10, 0] == 4.0 and flow[-1, 0, 1] == 3.0
