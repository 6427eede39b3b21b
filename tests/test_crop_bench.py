"""Tests of the crop benchmark: frame making, placements, repeatable figures and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from signlang import cli, crop_bench, data
from signlang.inference import Predictor


@pytest.fixture(scope="module")
def predictor(trained_model_path):
    return Predictor.load(trained_model_path)


def test_plan_scenes_centred_and_off_centre():
    centred = crop_bench.plan_scenes(50, "centred", seed=1)
    assert all(scene.x == (640 - scene.side) // 2 for scene in centred)
    assert all(scene.y == (480 - scene.side) // 2 for scene in centred)
    moved = crop_bench.plan_scenes(50, "off-centre", seed=1)
    assert all(0 <= scene.x <= 640 - scene.side for scene in moved)
    assert all(0 <= scene.y <= 480 - scene.side for scene in moved)
    assert len({(scene.x, scene.y) for scene in moved}) > 40
    assert all(crop_bench.MIN_SIDE <= scene.side <= crop_bench.MAX_SIDE for scene in moved)


def test_plan_scenes_rejects_placement():
    with pytest.raises(ValueError, match="placement"):
        crop_bench.plan_scenes(1, "corner", seed=0)


@pytest.mark.parametrize("background", crop_bench.BACKGROUNDS)
def test_make_frame_pastes_image(background):
    image = np.full((28, 28), 40, dtype=np.uint8)
    image[4:24, 4:24] = 200
    scene = crop_bench.Scene(side=280, x=10, y=20, left_gray=60, right_gray=120)
    frame = crop_bench.make_frame(image, scene, background, np.random.default_rng(0))
    assert frame.shape == (480, 640, 3)
    assert abs(int(frame[160, 200, 0]) - 200) < 15
    assert abs(int(frame[400, 600, 0]) - 200) > 40


def test_make_frame_rejects_background():
    scene = crop_bench.Scene(side=200, x=0, y=0, left_gray=60, right_gray=60)
    with pytest.raises(ValueError, match="background"):
        crop_bench.make_frame(np.zeros((28, 28), dtype=np.uint8), scene, "forest", np.random.default_rng(0))


def test_run_crop_bench_is_repeatable(predictor, generated_data_dir):
    images = data.load_split(generated_data_dir, "test")
    first = crop_bench.run_crop_bench(predictor, images, limit=24, seed=3)
    second = crop_bench.run_crop_bench(predictor, images, limit=24, seed=3)
    assert first == second
    assert first["images"] == 24
    assert [(row["background"], row["placement"]) for row in first["scenarios"]] == [
        (background, placement) for background in crop_bench.BACKGROUNDS for placement in crop_bench.PLACEMENTS
    ]
    for row in first["scenarios"]:
        assert 0.0 <= row["center_accuracy"] <= 1.0
        assert 0.0 <= row["hand_accuracy"] <= 1.0
        assert 0.0 <= row["hand_found"] <= 1.0


def test_run_crop_bench_rejects_limit(predictor, generated_data_dir):
    images = data.load_split(generated_data_dir, "test")
    with pytest.raises(ValueError, match="limit"):
        crop_bench.run_crop_bench(predictor, images, limit=0)


def test_cli_bench_crop_prints_json(trained_model_path, generated_data_dir, capsys):
    status = cli.main(["bench-crop", "--model", str(trained_model_path), "--data-dir", str(generated_data_dir),
                       "--limit", "12", "--json"])
    assert status == 0
    results = json.loads(capsys.readouterr().out)
    assert results["images"] == 12
    assert len(results["scenarios"]) == 4


def test_cli_bench_crop_prints_table(trained_model_path, generated_data_dir, capsys):
    status = cli.main(["bench-crop", "--model", str(trained_model_path), "--data-dir", str(generated_data_dir),
                       "--limit", "12"])
    assert status == 0
    output = capsys.readouterr().out
    assert "| Background | Placement | Centered crop | Hand crop | Hand found |" in output
    assert output.count("| matched |") == 2
