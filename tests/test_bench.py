"""Smoke test of the benchmark: it runs end to end and reports every documented figure."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from signlang import config

KEYS = [
    "cnn_frame_ms_p50", "cnn_frame_ms_p99", "resnet50_frame_ms_p50", "resnet50_frame_ms_p99",
    "naive_cnn_frame_ms_p50", "speedup_cnn", "train_images_per_s_cnn", "train_images_per_s_resnet50",
    "rss_growth_mb", "cnn_batch32_ms_per_image",
]


@pytest.mark.slow
def test_bench_json_reports_every_figure():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    completed = subprocess.run(
        [sys.executable, "-m", "signlang", "bench", "--json", "--frames", "5", "--leak-frames", "50", "--train-rows", "128"],
        capture_output=True, text=True, timeout=600, cwd=config.PROJECT_ROOT, env=env,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(completed.stdout)
    for key in KEYS:
        assert key in results, key
    for key in KEYS:
        if key != "rss_growth_mb":
            assert results[key] > 0, key
    assert results["machine"]["cores"] >= 1
    assert results["leak_frames"] == 50


def test_bench_rejects_bad_counts():
    from signlang import bench

    with pytest.raises(ValueError, match="frames must be"):
        bench.run(frames=0)
