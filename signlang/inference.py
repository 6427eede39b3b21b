"""Fast single-image prediction and the camera pipeline: preprocess, predict, draw, publish."""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Callable

import cv2
import keras
import numpy as np
import tensorflow as tf

from signlang import config, hand, storage
from signlang.preprocess import Box, preprocess
from signlang.spelling import DEFAULT_HOLD_S, DEFAULT_WINDOW, MajorityVote, Speller, Vote

logger = logging.getLogger(__name__)

# Top probability below which a frame shows no letter, unless the page sets another.
DEFAULT_THRESHOLD = 0.5


@dataclasses.dataclass(frozen=True)
class Prediction:
    """One model output: the top letter, its probability and the three most likely letters."""

    letter: str
    confidence: float
    top3: tuple[tuple[str, float], ...]

    @classmethod
    def from_probabilities(cls, probabilities: np.ndarray) -> "Prediction":
        order = np.argsort(probabilities)[::-1][:3]
        top3 = tuple((config.LETTERS[i], float(probabilities[i])) for i in order)
        return cls(top3[0][0], top3[0][1], top3)


class Predictor:
    """A Keras model wrapped in a `tf.function` with a fixed input signature.

    The Keras model stays the source of truth: the function calls `model(x, training=False)`,
    traced once here, so later calls skip Keras' per-call Python work. Concurrent calls from
    several threads are safe because a traced `tf.function` only executes a graph.
    """

    def __init__(self, model: keras.Model, metadata: dict | None = None, name: str = "model"):
        self.model = model
        self.metadata = metadata or {}
        self.name = name
        signature = tf.TensorSpec([None, config.IMAGE_SIZE, config.IMAGE_SIZE, 1], tf.float32)
        self._function = tf.function(lambda x: model(x, training=False), input_signature=[signature])
        self._function.get_concrete_function()
        self.predict_batch(np.zeros((1, config.IMAGE_SIZE, config.IMAGE_SIZE), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> "Predictor":
        """Load a saved model (safe mode, checked shapes) and warm it up."""
        model, metadata = storage.load_model(path)
        return cls(model, metadata, Path(path).stem)

    def predict_batch(self, images: np.ndarray) -> np.ndarray:
        """Return probabilities of shape `(n, 24)` for raw `(n, 28, 28)` images (0-255)."""
        x = np.asarray(images, dtype=np.float32).reshape(-1, config.IMAGE_SIZE, config.IMAGE_SIZE, 1)
        return self._function(tf.constant(x)).numpy()

    def predict(self, image: np.ndarray) -> Prediction:
        """Predict the letter of one `(28, 28)` image."""
        return Prediction.from_probabilities(self.predict_batch(image[np.newaxis])[0])


@dataclasses.dataclass(frozen=True)
class FrameResult:
    """The camera pipeline's output for one frame, published for the page.

    `prediction` is this frame's raw model output. `shown` is the letter voted over the last
    frames with the threshold applied, which the page and the overlay show.
    """

    prediction: Prediction | None
    model_input: np.ndarray | None
    frame_ms: float
    fps: float
    frame_size: tuple[int, int]
    error: str | None = None
    shown: Vote = Vote(None, 0.0)
    hand_found: bool = False
    hold_progress: float = 0.0


class LatestResult:
    """A locked holder for the newest FrameResult; the page reads it, the callback writes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._result: FrameResult | None = None

    def set(self, result: FrameResult) -> None:
        with self._lock:
            self._result = result

    def get(self) -> FrameResult | None:
        with self._lock:
            return self._result


@dataclasses.dataclass
class CameraSettings:
    """Settings the page changes while the stream runs."""

    predictor: Predictor | None = None
    roi_fraction: float = config.DEFAULT_ROI_FRACTION
    mirror: bool = True
    threshold: float = DEFAULT_THRESHOLD
    hand_crop: bool = False


class FrameProcessor:
    """Run the camera pipeline on BGR images, vote on the letter, type held letters, time frames.

    The page owns one per stream and changes `settings` between frames; the callback thread
    reads them. Results leave through `latest`, never through Streamlit calls. The typed text
    changes in both threads: the callback types held letters and the page's buttons edit it.
    """

    def __init__(self, settings: CameraSettings | None = None, window: int = DEFAULT_WINDOW,
                 hold_s: float = DEFAULT_HOLD_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings or CameraSettings()
        self.latest = LatestResult()
        self._frame_times: collections.deque[float] = collections.deque(maxlen=30)
        # NOTE: `_vote` and `_speller` are shared by the WebRTC worker thread (`process`) and
        # the page's script thread (the text buttons), so every access takes `_lock`.
        self._lock = threading.Lock()
        self._vote = MajorityVote(window)
        self._speller = Speller(hold_s, clock)

    def text(self) -> str:
        """Return the letters typed so far."""
        with self._lock:
            return self._speller.text

    def add_space(self) -> None:
        """Append a space to the typed text."""
        with self._lock:
            self._speller.add_space()

    def delete_last(self) -> None:
        """Remove the last typed character."""
        with self._lock:
            self._speller.delete_last()

    def clear_text(self) -> None:
        """Empty the typed text."""
        with self._lock:
            self._speller.clear()

    def _vote_and_type(self, prediction: Prediction | None, threshold: float) -> tuple[Vote, float]:
        """Add this frame's letter to the vote, type a held letter, and return the vote and hold progress."""
        letter, confidence = None, 0.0
        if prediction is not None:
            confidence = prediction.confidence
            if confidence >= threshold:
                letter = prediction.letter
        with self._lock:
            vote = self._vote.update(letter, confidence)
            self._speller.update(vote.letter)
            return vote, self._speller.hold_progress()

    def process(self, image: np.ndarray) -> np.ndarray:
        """Return `image` annotated with the box, the voted letter, the hold bar and the model input.

        Never raises: on any error the image comes back with the error written on it, so a
        bad frame cannot end the stream.
        """
        started = time.perf_counter()
        settings = self.settings
        vote, hold_progress, hand_found = Vote(None, 0.0), 0.0, False
        try:
            image = _as_bgr(image)
            if settings.mirror:
                image = cv2.flip(image, 1)
            box, hand_found = hand.crop_box(image, settings.roi_fraction, settings.hand_crop)
            model_input, box = preprocess(image, settings.roi_fraction, box)

            prediction = None
            if settings.predictor is not None:
                prediction = settings.predictor.predict(model_input)
            vote, hold_progress = self._vote_and_type(prediction, settings.threshold)

            annotated = draw(image, box, prediction, model_input, threshold=settings.threshold,
                             shown=vote, hold_progress=hold_progress)
            error = None
        except Exception as exc:  # noqa: BLE001 - a frame must never break the stream
            logger.exception("frame of shape %s failed", getattr(image, "shape", None))
            annotated = _as_bgr_or_blank(image)
            cv2.putText(annotated, "error", (5, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 255), 2)
            prediction, model_input, error = None, None, f"{type(exc).__name__}: {exc}"

        now = time.perf_counter()
        self._frame_times.append(now)
        fps = 0.0
        if len(self._frame_times) > 1:
            fps = (len(self._frame_times) - 1) / (self._frame_times[-1] - self._frame_times[0])
        self.latest.set(FrameResult(
            prediction, model_input, (now - started) * 1000.0, fps, annotated.shape[1::-1], error,
            vote, hand_found, hold_progress,
        ))
        return annotated

    def callback(self, frame):
        """Process one `av.VideoFrame` and return a new frame of the same size."""
        import av

        image = frame.to_ndarray(format="bgr24")

        annotated = self.process(image)

        out = av.VideoFrame.from_ndarray(annotated, format="bgr24")
        out.pts = frame.pts
        if frame.time_base is not None:
            out.time_base = frame.time_base
        return out


def _as_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def _as_bgr_or_blank(image) -> np.ndarray:
    try:
        return np.ascontiguousarray(_as_bgr(np.asarray(image, dtype=np.uint8)))
    except Exception:  # noqa: BLE001
        return np.zeros((max(1, getattr(image, "shape", (1,))[0]), 1, 3), dtype=np.uint8)


BOX_COLOR = (0, 200, 0)
LOW_CONFIDENCE_COLOR = (0, 165, 255)


def draw(image: np.ndarray, box: Box, prediction: Prediction | None, model_input: np.ndarray | None, *,
         threshold: float = DEFAULT_THRESHOLD, shown: Vote | None = None, hold_progress: float = 0.0) -> np.ndarray:
    """Draw the square, the letter with its confidence, a hold bar and a model input inset on a copy.

    The letter is `shown`, or else the prediction's letter when its confidence reaches
    `threshold`. With no letter the square turns orange and "?" is drawn instead, because
    OpenCV's Hershey fonts cover ASCII only, so translated text cannot be drawn here.
    """
    out = np.ascontiguousarray(image).copy()
    height, width = out.shape[:2]
    scale = max(min(height, width) / 480.0, 0.3)
    thickness = max(1, int(round(2 * scale)))
    if shown is None and prediction is not None:
        letter = prediction.letter if prediction.confidence >= threshold else None
        shown = Vote(letter, prediction.confidence)
    recognised = prediction is None or shown.letter is not None
    color = BOX_COLOR if recognised else LOW_CONFIDENCE_COLOR

    cv2.rectangle(out, (box.x, box.y), (box.x + box.side - 1, box.y + box.side - 1), color, thickness)

    if prediction is not None:
        text = f"{shown.letter} {shown.confidence:.0%}" if shown.letter is not None else "?"
        font_scale = 1.4 * scale
        (text_w, text_h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness + 1)
        x = max(0, min(box.x, width - text_w))
        y = box.y - baseline - 4 if box.y - text_h - baseline - 4 >= 0 else min(height - baseline, box.y + text_h + 4)
        cv2.rectangle(out, (x, y - text_h - 2), (x + text_w, y + baseline), (0, 0, 0), -1)
        cv2.putText(out, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, font_scale, color, thickness + 1, cv2.LINE_AA)

    if hold_progress > 0 and recognised:
        # The bar along the inside of the square's bottom edge fills while a letter is held.
        bar_height = max(2, int(round(6 * scale)))
        bar_width = max(0, int(round((box.side - 2 * thickness) * min(hold_progress, 1.0))))
        bottom = box.y + box.side - 1 - thickness
        left = box.x + thickness
        cv2.rectangle(out, (left, bottom - bar_height), (left + bar_width, bottom), color, -1)

    if model_input is not None:
        inset_side = int(min(height, width) * 0.2)
        if inset_side >= config.IMAGE_SIZE:
            inset = cv2.resize(model_input, (inset_side, inset_side), interpolation=cv2.INTER_NEAREST)
            out[height - inset_side:, width - inset_side:] = inset[..., np.newaxis]
    return out
