"""Figures for comparing two saved models: scores, timings and the images each got wrong."""

from __future__ import annotations

import time

import numpy as np

from signlang.inference import CameraSettings, FrameProcessor, Predictor


def frame_time_ms(predictor: Predictor, frames: int = 50, seed: int = 0) -> float:
    """Return the median time of the whole camera pipeline on a 640x480 frame, in ms."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, size=(480, 640, 3), dtype=np.uint8)
    processor = FrameProcessor(CameraSettings(predictor=predictor))
    for _ in range(5):
        processor.process(image)
    times = []
    for _ in range(frames):
        started = time.perf_counter()
        processor.process(image)
        times.append((time.perf_counter() - started) * 1000.0)
    return float(np.median(times))


def summary_row(metadata: dict, file_bytes: int) -> dict:
    """Return the figures the Compare page lists for one model."""
    test = metadata.get("test", {})
    return {
        "accuracy": test.get("accuracy"),
        "loss": test.get("loss"),
        "params": metadata.get("params"),
        "file_mb": file_bytes / 1e6,
        "train_seconds": metadata.get("train_seconds"),
        "epochs": metadata.get("epochs_completed"),
    }

