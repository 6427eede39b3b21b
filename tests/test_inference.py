"""Tests of the fast predictor and the camera frame callback."""

from __future__ import annotations

import threading

import av
import numpy as np
import pytest

from signlang import config, data, evaluation
from signlang.inference import BOX_COLOR, LOW_CONFIDENCE_COLOR, CameraSettings, FrameProcessor, Prediction, Predictor, draw

from conftest import make_split


@pytest.fixture(scope="module")
def predictor(trained_model_path):
    return Predictor.load(trained_model_path)


def test_predictor_matches_keras_call(predictor, generated_data_dir):
    test = data.load_split(generated_data_dir, "test")
    fast = predictor.predict_batch(test.images)
    slow = evaluation.predict_probabilities(predictor.model, test.images)
    assert fast.shape == (len(test), 24)
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    assert np.array_equal(fast.argmax(axis=1), slow.argmax(axis=1))


def test_predictor_single_image_top3(predictor):
    images, labels = make_split(1, seed=5)
    prediction = predictor.predict(images[0])
    assert prediction.letter in config.LETTERS
    assert len(prediction.top3) == 3
    assert prediction.top3[0][0] == prediction.letter
    assert prediction.top3[0][1] >= prediction.top3[1][1] >= prediction.top3[2][1]


def test_prediction_from_probabilities_picks_max():
    probabilities = np.zeros(24)
    probabilities[9] = 0.7
    probabilities[0] = 0.2
    probabilities[23] = 0.1
    prediction = Prediction.from_probabilities(probabilities)
    assert prediction.letter == "K"
    assert [letter for letter, _ in prediction.top3] == ["K", "A", "Y"]


def test_predictor_is_safe_from_threads(predictor):
    images, _ = make_split(1, seed=6)
    expected = predictor.predict_batch(images).argmax(axis=1)
    results, errors = [], []

    def work():
        try:
            for _ in range(5):
                results.append(predictor.predict_batch(images).argmax(axis=1))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 20
    assert all(np.array_equal(result, expected) for result in results)


def letter_frame(image28: np.ndarray, width: int, height: int, fraction: float = 0.6) -> np.ndarray:
    """Place a 28x28 image, enlarged, in the centered square of a BGR frame."""
    import cv2

    frame = np.zeros((height, width, 3), dtype=np.uint8)
    side = round(min(width, height) * fraction)
    enlarged = cv2.resize(image28, (side, side), interpolation=cv2.INTER_NEAREST)
    top, left = (height - side) // 2, (width - side) // 2
    frame[top:top + side, left:left + side] = enlarged[..., np.newaxis]
    return frame


@pytest.mark.parametrize(("width", "height"), [(640, 480), (480, 640), (320, 240), (1280, 720)])
def test_callback_returns_same_size_with_letter(predictor, width, height):
    images, labels = make_split(1, seed=7)
    image = letter_frame(images[0], width, height)
    processor = FrameProcessor(CameraSettings(predictor=predictor, mirror=False))
    frame = av.VideoFrame.from_ndarray(image, format="bgr24")
    frame.pts = 1234

    out = processor.callback(frame)

    assert (out.width, out.height) == (width, height)
    assert out.pts == 1234
    result = processor.latest.get()
    assert result.error is None
    assert result.prediction.letter == predictor.predict(result.model_input).letter
    assert result.frame_size == (width, height)
    drawn = out.to_ndarray(format="bgr24")
    assert not np.array_equal(drawn, image)
    box_top = (height - round(min(width, height) * 0.6)) // 2
    assert drawn[box_top, width // 2, 1] >= 150


def test_callback_prediction_matches_the_image(predictor):
    test_images, test_labels = make_split(1, seed=8)
    processor = FrameProcessor(CameraSettings(predictor=predictor, mirror=False))
    agree = 0
    for image, label in zip(test_images, test_labels):
        processor.process(letter_frame(image, 640, 480))
        direct = predictor.predict(image).letter
        agree += processor.latest.get().prediction.letter == direct
    assert agree >= 20


@pytest.mark.parametrize("shape", [(1, 1, 3), (20, 20, 3), (3000, 4000, 3), (480, 640), (480, 640, 4), (640, 480, 3)])
def test_process_odd_frames_never_raises(predictor, shape):
    image = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    processor = FrameProcessor(CameraSettings(predictor=predictor))
    out = processor.process(image)
    assert out.shape[:2] == shape[:2]
    assert out.shape[2] == 3
    assert processor.latest.get().error is None


def test_process_reports_errors_without_raising(predictor):
    processor = FrameProcessor(CameraSettings(predictor=predictor, roi_fraction=5.0))
    image = np.zeros((48, 64, 3), dtype=np.uint8)
    out = processor.process(image)
    assert out.shape == image.shape
    assert "Square size" in processor.latest.get().error


def test_process_without_model_draws_box_only():
    processor = FrameProcessor(CameraSettings(predictor=None))
    out = processor.process(np.zeros((480, 640, 3), dtype=np.uint8))
    assert out.shape == (480, 640, 3)
    assert processor.latest.get().prediction is None
    assert out.any()


def test_mirror_flips_what_the_model_sees(predictor):
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[100:380, 180:320] = 255
    plain = FrameProcessor(CameraSettings(predictor=predictor, mirror=False))
    mirrored = FrameProcessor(CameraSettings(predictor=predictor, mirror=True))
    plain.process(image)
    mirrored.process(image)
    assert np.array_equal(plain.latest.get().model_input[:, ::-1], mirrored.latest.get().model_input)


class ScriptedPredictor:
    """A stand-in predictor that returns the next letter and confidence of a script per frame."""

    def __init__(self, script: list[tuple[str, float]]) -> None:
        self.script = list(script)
        self.index = 0

    def predict(self, image: np.ndarray) -> Prediction:
        letter, confidence = self.script[min(self.index, len(self.script) - 1)]
        self.index += 1
        probabilities = np.full(config.NUM_CLASSES, (1.0 - confidence) / (config.NUM_CLASSES - 1))
        probabilities[config.LETTERS.index(letter)] = confidence
        return Prediction.from_probabilities(probabilities)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


BLANK_FRAME = np.zeros((480, 640, 3), dtype=np.uint8)


def test_process_below_threshold_shows_no_letter():
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor([("A", 0.4)]), mirror=False, threshold=0.5))
    out = processor.process(BLANK_FRAME)
    result = processor.latest.get()
    assert result.prediction.letter == "A"
    assert result.shown.letter is None
    box_top = (480 - round(480 * 0.6)) // 2
    assert tuple(out[box_top, 320]) == LOW_CONFIDENCE_COLOR


def test_process_above_threshold_shows_letter():
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor([("A", 0.6)]), mirror=False, threshold=0.5))
    out = processor.process(BLANK_FRAME)
    assert processor.latest.get().shown.letter == "A"
    box_top = (480 - round(480 * 0.6)) // 2
    assert tuple(out[box_top, 320]) == BOX_COLOR


def test_process_votes_over_window():
    script = [("B", 0.9)] * 6 + [("R", 0.9)] + [("B", 0.9)]
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor(script), mirror=False), window=7)
    shown = []
    for _ in script:
        processor.process(BLANK_FRAME)
        shown.append(processor.latest.get().shown.letter)
    assert shown == ["B"] * 8


def test_process_spells_hello():
    clock = FakeClock()
    script = []
    for letter in "HEL?LO?":
        script += [("A", 0.1) if letter == "?" else (letter, 0.95)] * 15
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor(script), mirror=False), clock=clock)
    for _ in script:
        processor.process(BLANK_FRAME)
        clock.now += 0.1
    assert processor.text() == "HELLO"
    assert processor.latest.get().hold_progress == 0.0


def test_process_text_buttons_edit_text():
    clock = FakeClock()
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor([("Y", 0.9)]), mirror=False), clock=clock)
    for _ in range(20):
        processor.process(BLANK_FRAME)
        clock.now += 0.1
    processor.add_space()
    assert processor.text() == "Y "
    processor.delete_last()
    assert processor.text() == "Y"
    processor.clear_text()
    assert processor.text() == ""


def test_process_text_is_safe_from_threads():
    processor = FrameProcessor(CameraSettings(predictor=ScriptedPredictor([("C", 0.9)]), mirror=False), hold_s=0.001)
    errors = []
    stop = threading.Event()

    def stream():
        try:
            while not stop.is_set():
                processor.process(np.zeros((48, 64, 3), dtype=np.uint8))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    thread = threading.Thread(target=stream)
    thread.start()
    for _ in range(2000):
        processor.add_space()
        processor.delete_last()
        processor.text()
    stop.set()
    thread.join()
    assert not errors
    assert processor.latest.get().error is None


def test_process_hand_crop_follows_object():
    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[40:240, 420:600] = 180
    settings = CameraSettings(predictor=ScriptedPredictor([("D", 0.9)]), mirror=False, hand_crop=True)
    processor = FrameProcessor(settings)
    processor.process(image)
    result = processor.latest.get()
    assert result.hand_found
    assert result.model_input.mean() > 100


def test_process_hand_crop_falls_back_to_center():
    settings = CameraSettings(predictor=ScriptedPredictor([("D", 0.9)]), mirror=False, hand_crop=True)
    processor = FrameProcessor(settings)
    out = processor.process(BLANK_FRAME)
    assert not processor.latest.get().hand_found
    box_top = (480 - round(480 * 0.6)) // 2
    assert out[box_top, 320].any()


def test_draw_hold_bar_fills_with_progress():
    from signlang.preprocess import center_square

    box = center_square(480, 640, 0.6)
    prediction = ScriptedPredictor([("E", 0.9)]).predict(np.zeros((28, 28)))
    half = draw(BLANK_FRAME, box, prediction, None, hold_progress=0.5)
    row = box.y + box.side - 6
    filled = np.flatnonzero(half[row, box.x:box.x + box.side, 1])
    assert box.side * 0.4 < len(filled) < box.side * 0.6
    empty = draw(BLANK_FRAME, box, prediction, None, hold_progress=0.0)
    assert len(np.flatnonzero(empty[row, box.x:box.x + box.side, 1])) < 10
