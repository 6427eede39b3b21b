"""Tests of `python -m signlang`: output, JSON, exit codes and error messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from signlang import config

from conftest import make_split


def run_cli(*args, env_extra=None, timeout=300):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "signlang", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=config.PROJECT_ROOT, env=env)


def test_cli_evaluate_json(trained_model_path, generated_data_dir):
    result = run_cli("evaluate", "--model", trained_model_path, "--data-dir", generated_data_dir, "--json")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)
    assert scores["n"] == 96
    assert 0.0 <= scores["accuracy"] <= 1.0
    assert scores["loss"] > 0


def test_cli_evaluate_uses_env_data_dir(trained_model_path, generated_data_dir):
    result = run_cli("evaluate", "--model", trained_model_path, env_extra={config.DATA_DIR_ENV: str(generated_data_dir)})
    assert result.returncode == 0, result.stderr
    assert "test accuracy" in result.stdout


def test_cli_evaluate_missing_model(tmp_path, generated_data_dir):
    result = run_cli("evaluate", "--model", tmp_path / "none.keras", "--data-dir", generated_data_dir)
    assert result.returncode == 1
    assert "none.keras not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_evaluate_bad_data_names_row(tmp_path, trained_model_path):
    images, labels = make_split(1)
    folder = tmp_path / "data"
    folder.mkdir()
    from signlang import data
    data.write_csv(folder / config.TRAIN_CSV, images, labels)
    labels = labels.copy()
    labels[3] = 9
    data.write_csv(folder / config.TEST_CSV, images, labels)
    result = run_cli("evaluate", "--model", trained_model_path, "--data-dir", folder)
    assert result.returncode == 1
    assert "row 4 (line 5), column label: label 9 is invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_train_writes_model(tmp_path, generated_data_dir):
    out = tmp_path / "cli.keras"
    result = run_cli("train", "--arch", "cnn", "--epochs", "1", "--batch-size", "32", "--data-dir", generated_data_dir, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "epoch 1/1" in result.stdout
    assert out.is_file()
    assert out.with_suffix(".json").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["--epochs", "0"], "Epochs 0 is invalid"),
    (["--epochs", "-2"], "Epochs -2 is invalid"),
    (["--learning-rate", "0"], "Learning rate 0.0 is invalid"),
    (["--learning-rate", "-1"], "Learning rate -1.0 is invalid"),
    (["--val-fraction", "0.7"], "Validation fraction 0.7 is invalid"),
    (["--batch-size", "5000"], "larger than the 432 training rows"),
])
def test_cli_train_rejects_settings(tmp_path, generated_data_dir, args, message):
    result = run_cli("train", "--data-dir", generated_data_dir, "--out", tmp_path / "x.keras", *args)
    assert result.returncode == 1
    assert message in result.stderr
    assert not (tmp_path / "x.keras").exists()


def test_cli_predict_images(tmp_path, trained_model_path):
    images, labels = make_split(1, seed=4)
    paths = []
    for index in (0, 5):
        path = tmp_path / f"letter{index}.png"
        cv2.imwrite(str(path), cv2.resize(images[index], (280, 280), interpolation=cv2.INTER_NEAREST))
        paths.append(path)
    result = run_cli("predict", *paths, "--model", trained_model_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    for line in lines:
        letter, confidence = line.rsplit(": ", 1)[1].split()
        assert letter in config.LETTERS
        assert 0 <= float(confidence) <= 1


def write_bad_images(folder):
    folder.mkdir()
    (folder / "text.png").write_text("this is not an image")
    good = np.full((50, 50, 3), 120, dtype=np.uint8)
    ok, encoded = cv2.imencode(".jpg", good)
    (folder / "truncated.jpg").write_bytes(encoded.tobytes()[:40])
    cv2.imwrite(str(folder / "one.png"), np.zeros((1, 1), dtype=np.uint8))
    cv2.imwrite(str(folder / "deep.png"), np.full((40, 40), 40000, dtype=np.uint16))
    (folder / "sub").mkdir()
    return folder


@pytest.mark.parametrize(("name", "ok", "message"), [
    ("text.png", False, "is not an image that can be read"),
    ("truncated.jpg", False, "is not an image that can be read"),
    ("sub", False, "is a folder"),
    ("missing.png", False, "not found"),
    ("one.png", True, None),
    ("deep.png", True, None),
])
def test_cli_predict_bad_images(tmp_path, trained_model_path, name, ok, message):
    folder = write_bad_images(tmp_path / "images")
    result = run_cli("predict", folder / name, "--model", trained_model_path)
    assert "Traceback" not in result.stderr
    if ok:
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(str(folder / name))
    else:
        assert result.returncode == 1
        assert message in result.stderr
        assert name in result.stderr


def test_cli_predict_cmyk_jpeg(tmp_path, trained_model_path):
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (64, 48), (0, 50, 100, 0)).save(path, "JPEG")
    result = run_cli("predict", path, "--model", trained_model_path)
    assert result.returncode == 0, result.stderr
    assert "cmyk.jpg:" in result.stdout
