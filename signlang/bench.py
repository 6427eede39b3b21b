"""Benchmark the camera pipeline and training, against the straightforward path, in one process.

Figures come from whatever machine runs this; docs/benchmarks.md records one run.
"""

from __future__ import annotations

import gc
import logging
import os
import platform
import time

import numpy as np

from signlang import config
from signlang.inference import CameraSettings, FrameProcessor, Predictor, draw
from signlang.preprocess import preprocess

logger = logging.getLogger(__name__)

WARMUP_FRAMES = 20


def _percentiles(times_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(times_ms, 50)), float(np.percentile(times_ms, 99))


def _load_predictor(architecture: str) -> tuple[Predictor, str]:
    """Return the saved model of `architecture`, or an untrained one when none is saved.

    Speed does not depend on the weights, so an untrained model gives the same timings.
    """
    from signlang import models

    path = config.models_dir() / f"{architecture}{config.MODEL_SUFFIX}"
    if not path.is_file():
        path = config.BUNDLED_MODELS_DIR / f"{architecture}{config.MODEL_SUFFIX}"
    try:
        resolved = path.resolve()
        shown = resolved.relative_to(config.PROJECT_ROOT) if resolved.is_relative_to(config.PROJECT_ROOT) else path
        return Predictor.load(path), str(shown)
    except Exception as error:  # noqa: BLE001 - fall back to an untrained model of the same shape
        logger.warning("timing an untrained %s because %s could not be loaded: %s", architecture, path, error)
        return Predictor(models.build_model(architecture), name=architecture), "untrained"


def camera_frames(count: int, seed: int = 0) -> list[np.ndarray]:
    """Return `count` 640x480 BGR frames of noise with a bright hand-sized blob that moves."""
    rng = np.random.default_rng(seed)
    frames = []
    for index in range(count):
        image = rng.integers(0, 80, size=(480, 640, 3), dtype=np.uint8)
        x = 200 + (index * 7) % 120
        image[140:340, x:x + 120] = 200
        frames.append(image)
    return frames


def time_pipeline(predictor: Predictor, frames: list[np.ndarray]) -> list[float]:
    """Time the whole camera pipeline (crop, gray, blur, resize, predict, draw) per frame, in ms."""
    processor = FrameProcessor(CameraSettings(predictor=predictor, mirror=False))
    for image in frames[:WARMUP_FRAMES]:
        processor.process(image)
    times = []
    for image in frames:
        started = time.perf_counter()
        processor.process(image)
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def time_naive(predictor: Predictor, frames: list[np.ndarray]) -> list[float]:
    """Time the same pipeline with `model.predict` per frame, as the tutorial's loop does."""
    from signlang.inference import Prediction

    model = predictor.model
    for image in frames[:3]:
        model.predict(np.zeros((1, 28, 28, 1), dtype=np.float32), verbose=0)
    times = []
    for image in frames:
        started = time.perf_counter()
        model_input, box = preprocess(image)
        probabilities = model.predict(model_input[np.newaxis, ..., np.newaxis].astype(np.float32), verbose=0)[0]
        draw(image, box, Prediction.from_probabilities(probabilities), model_input)
        times.append((time.perf_counter() - started) * 1000.0)
    return times


def batched_ms_per_image(predictor: Predictor, batch_size: int = 32, repeats: int = 20) -> float:
    """Return model time per image when frames from many streams are predicted in one batch."""
    images = np.random.default_rng(1).integers(0, 256, size=(batch_size, 28, 28), dtype=np.uint8)
    predictor.predict_batch(images)
    started = time.perf_counter()
    for _ in range(repeats):
        predictor.predict_batch(images)
    return (time.perf_counter() - started) * 1000.0 / (repeats * batch_size)


def rss_mb() -> float:
    import psutil

    return psutil.Process(os.getpid()).memory_info().rss / 1e6


def memory_growth(predictor: Predictor, frames: list[np.ndarray], count: int) -> tuple[float, float]:
    """Run `count` frames through one processor and return RSS before and after, in MB."""
    processor = FrameProcessor(CameraSettings(predictor=predictor, mirror=True))
    for image in frames[:WARMUP_FRAMES * 5]:
        processor.process(image)
    gc.collect()
    before = rss_mb()
    for index in range(count):
        processor.process(frames[index % len(frames)])
    gc.collect()
    return before, rss_mb()


def training_throughput(architecture: str, rows: int, batch_size: int = 128) -> float:
    """Return training images per second over one epoch of generated rows, after a warm-up epoch."""
    import keras

    from signlang import models, training
    from signlang.data import ImageSet

    rng = np.random.default_rng(0)
    labels = np.array([label for label in range(25) if label != 9])[rng.integers(0, 24, size=rows)]
    images = rng.integers(0, 256, size=(rows, 28, 28), dtype=np.uint8)
    dataset = training.make_dataset(ImageSet(images, labels, "generated"), batch_size, shuffle=True, augment=True, seed=0)
    model = models.build_model(architecture)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(dataset, epochs=1, verbose=0, shuffle=False)
    started = time.perf_counter()
    model.fit(dataset, epochs=1, verbose=0, shuffle=False)
    return rows / (time.perf_counter() - started)


def machine_facts() -> dict:
    import tensorflow as tf

    from signlang.training import machine_summary

    facts = machine_summary()
    return {"cpu": facts["cpu"], "cores": facts["cores"], "gpus": facts["gpus"],
            "tensorflow": tf.__version__, "python": platform.python_version()}


def run(frames: int = 300, leak_frames: int = 10_000, train_rows: int = 4096) -> dict:
    """Run every measurement and return the figures as one flat dict."""
    if frames < 1 or leak_frames < 0 or train_rows < 128:
        raise ValueError("frames must be >= 1, leak_frames >= 0 and train_rows >= 128")
    results: dict = {"machine": machine_facts(), "frames": frames}
    images = camera_frames(frames + WARMUP_FRAMES)
    for architecture in config.ARCHITECTURES:
        predictor, source = _load_predictor(architecture)
        results[f"{architecture}_model"] = source
        fast_p50, fast_p99 = _percentiles(time_pipeline(predictor, images)[-frames:])
        naive_p50, naive_p99 = _percentiles(time_naive(predictor, images[:frames]))
        results[f"{architecture}_frame_ms_p50"] = round(fast_p50, 3)
        results[f"{architecture}_frame_ms_p99"] = round(fast_p99, 3)
        results[f"naive_{architecture}_frame_ms_p50"] = round(naive_p50, 3)
        results[f"naive_{architecture}_frame_ms_p99"] = round(naive_p99, 3)
        results[f"speedup_{architecture}"] = round(naive_p50 / fast_p50, 1)
        results[f"{architecture}_batch32_ms_per_image"] = round(batched_ms_per_image(predictor), 3)
        if architecture == "cnn" and leak_frames:
            before, after = memory_growth(predictor, images, leak_frames)
            results["rss_before_mb"] = round(before, 1)
            results["rss_after_mb"] = round(after, 1)
            results["rss_growth_mb"] = round(after - before, 1)
            results["leak_frames"] = leak_frames
    for architecture in config.ARCHITECTURES:
        results[f"train_images_per_s_{architecture}"] = round(training_throughput(architecture, train_rows), 1)
    return results
