"""Run every page with Streamlit's AppTest and check what it shows."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from signlang import config, jobs, storage

from conftest import APP, PAGE_TIMEOUT, open_page

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches")


def all_text(app: AppTest) -> str:
    parts = [element.value for element in app.markdown] + [element.value for element in app.caption]
    parts += [element.value for element in app.success] + [element.value for element in app.warning]
    parts += [element.value for element in app.info] + [element.value for element in app.error]
    return "\n".join(str(part) for part in parts)


def test_home_page_with_data_lists_models(with_data, app_models):
    app = open_page()
    assert app.title[0].value == "Home"
    assert "Sign Language MNIST found" in app.success[0].value
    table = app.dataframe[0].value
    assert list(table["Name"]) == ["cnn", "resnet50"]


def test_home_page_without_data_explains(without_data, app_models):
    app = open_page()
    assert "No Sign Language MNIST files" in app.warning[0].value
    assert "datamunge/sign-language-mnist" in all_text(app)


def test_train_page_without_data_offers_upload(without_data, app_models):
    app = open_page("pages/train.py")
    assert app.title[0].value == "Train"
    assert "Upload them or download them" in app.warning[0].value
    labels = [button.label for button in app.button]
    assert "Download from Kaggle" in labels


def test_train_page_trains_and_shows_result(with_data, app_models):
    app = open_page("pages/train.py")
    assert app.selectbox(key="architecture").value == "cnn"
    app.number_input(key="epochs").set_value(2)
    app.select_slider(key="batch_size").set_value(32)
    app.button(key="FormSubmitter:train_settings-Start training").click().run()
    assert not app.exception, [e.value for e in app.exception]

    from signlang import ui
    trainer = ui.load_trainer()
    snapshot = trainer.wait(PAGE_TIMEOUT)
    assert snapshot.state == jobs.COMPLETE
    assert snapshot.settings.epochs == 2
    assert snapshot.model_path.parent == app_models

    app.run()
    assert not app.exception
    assert any("Finished: test accuracy" in s.value for s in app.success)
    assert len(app.get("vega_lite_chart")) >= 2
    assert snapshot.model_path.stem in [info.name for info in storage.list_models()]


def test_train_page_refuses_second_run(with_data, app_models):
    from signlang import training, ui

    trainer = ui.load_trainer()
    trainer.start(training.TrainSettings(epochs=50, batch_size=16), with_data, name="long")
    try:
        app = open_page("pages/train.py")
        assert any("A training run is in progress" in info.value for info in app.info)
        app.button(key="FormSubmitter:train_settings-Start training").click().run()
        assert any("A training run is in progress" in error.value for error in app.error)
    finally:
        trainer.stop()
        trainer.wait(PAGE_TIMEOUT)


def test_compare_page_shows_both_models(with_data, app_models):
    app = open_page("pages/compare.py")
    assert app.title[0].value == "Compare"
    assert app.selectbox(key="compare_first").value == "cnn"
    assert app.selectbox(key="compare_second").value == "resnet50"
    table = app.dataframe[0].value
    assert list(table.columns) == ["cnn", "resnet50"]
    assert "Time per camera frame (ms)" in table.index
    text = all_text(app)
    assert "test images wrong" in text


def test_compare_page_without_data_shows_saved_figures(without_data, app_models):
    app = open_page("pages/compare.py")
    assert any("test set was not found" in info.value for info in app.info)
    assert len(app.dataframe) == 1


def test_camera_page_renders(with_data, app_models, webrtc_calls):
    app = open_page("pages/camera.py")
    assert app.title[0].value == "Camera"
    call = webrtc_calls[-1]
    assert call["media_stream_constraints"] == {"video": True, "audio": False}
    assert call["async_processing"] is True
    assert call["video_frame_callback"].__self__.settings.predictor.name == "cnn"
    assert call["rtc_configuration"] == {"iceServers": []}
    assert call["translations"]["start"] == "Start"
    assert app.selectbox(key="camera_model_select").value == "cnn"
    assert app.slider(key="roi_fraction").value == pytest.approx(config.DEFAULT_ROI_FRACTION)
    assert app.checkbox(key="mirror").value is True


def test_camera_page_falls_back_from_bad_model(with_data, app_models, webrtc_calls):
    broken = app_models / "broken.keras"
    shutil.copyfile(app_models / "cnn.json", app_models / "broken.json")
    broken.write_text("not a model")
    app = AppTest.from_file(APP, default_timeout=PAGE_TIMEOUT)
    app.session_state["camera_model"] = "broken"
    app.run()
    app.switch_page("pages/camera.py")
    app.run()
    assert not app.exception
    assert any("broken.keras" in error.value for error in app.error)
    assert any("bundled model cnn" in warning.value for warning in app.warning)


def test_camera_page_without_models(with_data, models_folder, monkeypatch, tmp_path, webrtc_calls):
    monkeypatch.setattr(config, "BUNDLED_MODELS_DIR", tmp_path / "no-bundled")
    app = open_page("pages/camera.py")
    assert any("No models found" in info.value for info in app.info)


def test_camera_page_spelling_controls(with_data, app_models, webrtc_calls):
    app = open_page("pages/camera.py")
    assert app.slider(key="threshold").value == pytest.approx(0.5)
    assert app.checkbox(key="hand_crop").value is False
    assert "Nothing typed yet." in all_text(app)
    labels = [button.label for button in app.button]
    assert labels[:3] == ["Space", "Delete", "Clear"]

    app.slider(key="threshold").set_value(0.8)
    app.checkbox(key="hand_crop").check()
    app.run()
    assert not app.exception
    settings = webrtc_calls[-1]["video_frame_callback"].__self__.settings
    assert settings.threshold == pytest.approx(0.8)
    assert settings.hand_crop is True


def test_camera_page_text_buttons_edit_text(with_data, app_models, webrtc_calls):
    import numpy as np

    from signlang.inference import CameraSettings, FrameProcessor, Prediction

    class FixedPredictor:
        def __init__(self, letter: str) -> None:
            self.letter = letter

        def predict(self, image):
            probabilities = np.zeros(config.NUM_CLASSES)
            probabilities[config.LETTERS.index(self.letter)] = 1.0
            return Prediction.from_probabilities(probabilities)

    now = [0.0]
    processor = FrameProcessor(CameraSettings(mirror=False), clock=lambda: now[0])
    for letter in "HI":
        processor.settings = CameraSettings(predictor=FixedPredictor(letter), mirror=False)
        for _ in range(20):
            processor.process(np.zeros((48, 64, 3), dtype=np.uint8))
            now[0] += 0.1
    assert processor.text() == "HI"

    app = AppTest.from_file(APP, default_timeout=PAGE_TIMEOUT)
    app.session_state["frame_processor"] = processor
    app.run()
    app.switch_page("pages/camera.py")
    app.run()
    assert not app.exception
    assert app.code[0].value == "HI"
    assert app.metric[0].value == "I"

    app.button(key="text_space").click().run()
    assert app.code[0].value == "HI "
    app.button(key="text_delete").click().run()
    app.button(key="text_delete").click().run()
    assert app.code[0].value == "H"
    app.button(key="text_clear").click().run()
    assert not app.code
    assert "Nothing typed yet." in all_text(app)


def test_camera_page_upload_uses_hand_crop(with_data, app_models, webrtc_calls):
    import cv2
    import numpy as np

    image = np.zeros((480, 640, 3), dtype=np.uint8)
    image[40:240, 420:600] = 180
    png = cv2.imencode(".png", image)[1].tobytes()

    app = open_page("pages/camera.py")
    app.file_uploader[0].set_value(("hand.png", png, "image/png")).run()
    assert not app.exception
    assert len(app.image) == 3
    assert "No hand found" not in all_text(app)
    assert len(app.metric) == 1

    app.checkbox(key="hand_crop").check().run()
    assert not app.exception
    assert "Hand found: the square is around it." in all_text(app)
