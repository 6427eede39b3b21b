"""Measure the accuracy of the centered crop and the hand crop on data set images placed in camera-sized frames.

Each 28x28 image is enlarged to a side of MIN_SIDE to MAX_SIDE pixels and pasted into a
640x480 frame, either centred or at a uniformly random position, over one of two backgrounds:

- "matched": the median gray of the image's outer ring, so the image's own background blends
  into the frame and mainly the hand differs from it, as in front of a plain wall;
- "gradient": a left-to-right ramp between two random grays (40-200), as a wall under side
  light, so the whole pasted square may stand out.

Gaussian noise (sigma 3) is added to every frame, as camera sensor noise. Both crops then go
through the camera's preprocessing and the model. Placements, sizes and backgrounds come from a
seeded generator, so a run with the same data, model, seed and limit prints the same figures.
"""

from __future__ import annotations

import dataclasses
import logging

import cv2
import numpy as np

from signlang import config, hand
from signlang.data import ImageSet
from signlang.inference import Predictor
from signlang.preprocess import center_square, preprocess

logger = logging.getLogger(__name__)

FRAME_WIDTH, FRAME_HEIGHT = 640, 480
MIN_SIDE, MAX_SIDE = 200, 320
NOISE_SIGMA = 3.0
BACKGROUNDS = ("matched", "gradient")
PLACEMENTS = ("centred", "off-centre")
BATCH = 256


@dataclasses.dataclass(frozen=True)
class Scene:
    """Size, position and background grays of one image in its frame."""

    side: int
    x: int
    y: int
    left_gray: int
    right_gray: int


def plan_scenes(count: int, placement: str, seed: int) -> list[Scene]:
    """Return `count` seeded scenes; "centred" puts each image at the frame's centre."""
    if placement not in PLACEMENTS:
        raise ValueError(f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
    rng = np.random.default_rng(seed)
    scenes = []
    for _ in range(count):
        side = int(rng.integers(MIN_SIDE, MAX_SIDE + 1))
        if placement == "centred":
            x, y = (FRAME_WIDTH - side) // 2, (FRAME_HEIGHT - side) // 2
        else:
            x, y = int(rng.integers(0, FRAME_WIDTH - side + 1)), int(rng.integers(0, FRAME_HEIGHT - side + 1))
        left_gray, right_gray = (int(value) for value in rng.integers(40, 201, size=2))
        scenes.append(Scene(side, x, y, left_gray, right_gray))
    return scenes


def ring_median(image: np.ndarray) -> int:
    """Return the median gray of the image's outer two-pixel ring."""
    ring = np.concatenate([image[:2].ravel(), image[-2:].ravel(), image[:, :2].ravel(), image[:, -2:].ravel()])
    return int(np.median(ring))


def make_frame(image: np.ndarray, scene: Scene, background: str, rng: np.random.Generator) -> np.ndarray:
    """Return a 640x480 BGR frame with `image` enlarged and pasted at the size and position of `scene`."""
    if background == "matched":
        frame = np.full((FRAME_HEIGHT, FRAME_WIDTH), ring_median(image), dtype=np.float32)
    elif background == "gradient":
        ramp = np.linspace(scene.left_gray, scene.right_gray, FRAME_WIDTH, dtype=np.float32)
        frame = np.broadcast_to(ramp, (FRAME_HEIGHT, FRAME_WIDTH)).copy()
    else:
        raise ValueError(f"background must be one of {', '.join(BACKGROUNDS)}, got {background!r}")
    enlarged = cv2.resize(image, (scene.side, scene.side), interpolation=cv2.INTER_LINEAR)
    frame[scene.y:scene.y + scene.side, scene.x:scene.x + scene.side] = enlarged
    frame += rng.normal(0.0, NOISE_SIGMA, size=frame.shape).astype(np.float32)
    gray = np.clip(np.round(frame), 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def measure_scenario(predictor: Predictor, images: ImageSet, background: str, placement: str,
                     seed: int, padding: float = hand.DEFAULT_PADDING) -> dict:
    """Return the accuracy of both crops and the share of frames where a hand was found."""
    scenes = plan_scenes(len(images), placement, seed)
    noise_rng = np.random.default_rng(seed + 1)
    center = center_square(FRAME_HEIGHT, FRAME_WIDTH, config.DEFAULT_ROI_FRACTION)
    center_right = hand_right = found = 0
    for start in range(0, len(images), BATCH):
        center_inputs, hand_inputs = [], []
        for index in range(start, min(start + BATCH, len(images))):
            frame = make_frame(images.images[index], scenes[index], background, noise_rng)
            center_inputs.append(preprocess(frame, box=center)[0])
            box = hand.find_hand(frame, padding)
            found += box is not None
            hand_inputs.append(preprocess(frame, box=box or center)[0])
        truth = images.classes[start:start + len(center_inputs)]
        center_right += int((predictor.predict_batch(np.stack(center_inputs)).argmax(axis=1) == truth).sum())
        hand_right += int((predictor.predict_batch(np.stack(hand_inputs)).argmax(axis=1) == truth).sum())
    n = len(images)
    logger.info("%s background, %s: center %.4f, hand %.4f", background, placement, center_right / n, hand_right / n)
    return {"background": background, "placement": placement, "center_accuracy": center_right / n,
            "hand_accuracy": hand_right / n, "hand_found": found / n}


def run_crop_bench(predictor: Predictor, images: ImageSet, limit: int | None = None, seed: int = config.DEFAULT_SEED,
                   padding: float = hand.DEFAULT_PADDING) -> dict:
    """Measure both crops in every background and placement, on the first `limit` images of a seeded shuffle.

    Returns the image count, the model's accuracy on the plain 28x28 images, and one entry
    per scenario with the two accuracies and the share of frames where a hand was found.
    """
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 image, got {limit}")
    order = np.random.default_rng(seed).permutation(len(images))
    if limit is not None:
        order = order[:limit]
    sample = images.subset(np.sort(order))
    direct = float((predictor.predict_batch(sample.images).argmax(axis=1) == sample.classes).mean())
    scenarios = [measure_scenario(predictor, sample, background, placement, seed, padding)
                 for background in BACKGROUNDS for placement in PLACEMENTS]
    return {"images": len(sample), "seed": seed, "padding": padding, "direct_accuracy": direct, "scenarios": scenarios}


def format_table(results: dict) -> str:
    """Return the results as a Markdown table."""
    lines = [
        f"{results['images']} images, seed {results['seed']}, padding {results['padding']}; "
        f"accuracy on the plain 28x28 images: {results['direct_accuracy']:.2%}",
        "",
        "| Background | Placement | Centered crop | Hand crop | Hand found |",
        "|---|---|---|---|---|",
    ]
    for row in results["scenarios"]:
        lines.append(f"| {row['background']} | {row['placement']} | {row['center_accuracy']:.2%} | "
                     f"{row['hand_accuracy']:.2%} | {row['hand_found']:.1%} |")
    return "\n".join(lines)
