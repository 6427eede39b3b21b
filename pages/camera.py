"""Camera page: sign at the webcam and see the predicted letter drawn over the video."""


import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from signlang import config, hand, images, preprocess, ui
from signlang.errors import SignlangError
from signlang.inference import DEFAULT_THRESHOLD, CameraSettings, FrameProcessor, FrameResult

PROCESSOR_KEY = "frame_processor"


def get_processor() -> FrameProcessor:
    """Return this session's frame processor, which outlives reruns."""
    if PROCESSOR_KEY not in st.session_state:
        st.session_state[PROCESSOR_KEY] = FrameProcessor()
    return st.session_state[PROCESSOR_KEY]


def pick_predictor(t, models):
    """Load the chosen model, falling back to a bundled one when the file is rejected."""
    names = [info.name for info in models]
    wanted = st.session_state.get("camera_model", "cnn")
    index = names.index(wanted) if wanted in names else 0
    name = st.selectbox(t("camera.model"), names, index=index, help=t("camera.model_help"), key="camera_model_select")
    st.session_state["camera_model"] = name
    chosen = next(info for info in models if info.name == name)
    try:
        return ui.predictor_for(chosen.path)
    except SignlangError as error:
        ui.show_error(error)
    for info in models:
        if info.bundled and info.name != name:
            try:
                predictor = ui.predictor_for(info.path)
            except SignlangError:
                continue
            st.warning(t("camera.fallback", name=info.name))
            return predictor
    return None


def enlarge(model_input: np.ndarray) -> np.ndarray:
    """Return the 28x28 model input scaled up 4 times, so its pixels stay visible."""
    return np.kron(model_input, np.ones((4, 4), dtype=np.uint8))


def show_letter(t, result: FrameResult, threshold: float) -> None:
    """Show the voted letter, or that no letter reaches the threshold."""
    with st.container(key="camera_letter"):
        shown = result.shown
        if shown.letter is not None:
            st.metric(t("camera.letter"), shown.letter)
            st.caption(t("camera.letter_confidence", confidence=shown.confidence))
        else:
            st.metric(t("camera.letter"), t("camera.no_letter"))
            st.caption(t("camera.no_letter_help", threshold=threshold))


def show_text(t, processor: FrameProcessor) -> None:
    """Show the typed text with a copy button, and the space, delete and clear buttons."""
    st.markdown(f"**{t('camera.text_heading')}**")
    columns = st.columns(3)
    # NOTE: these callbacks run in the script thread while the WebRTC worker thread types
    # letters, so they edit the text only through FrameProcessor's locked methods. They run
    # before the fragment reruns, so the text below already shows the edit.
    columns[0].button(t("camera.space"), on_click=processor.add_space, key="text_space", width="stretch")
    columns[1].button(t("camera.delete"), on_click=processor.delete_last, help=t("camera.delete_help"),
                      key="text_delete", width="stretch")
    columns[2].button(t("camera.clear"), on_click=processor.clear_text, key="text_clear", width="stretch")
    with st.container(key="camera_text"):
        text = processor.text()
        if text:
            st.code(text, language=None)
        else:
            st.caption(t("camera.text_empty"))
    st.caption(t("camera.text_hint"))


@st.fragment(run_every=0.5)
def show_live(t, processor: FrameProcessor, threshold: float, hand_crop: bool) -> None:
    """Show the newest frame's letter, top 3 letters, model input and timing, and the typed text."""
    result = processor.latest.get()
    if result is None:
        st.caption(t("camera.waiting"))
    elif result.error:
        st.error(t("camera.frame_error", reason=result.error))
    else:
        columns = st.columns([2, 1, 2, 2])
        with columns[0]:
            show_letter(t, result, threshold)
        if result.model_input is not None:
            columns[1].image(enlarge(result.model_input), caption=t("camera.model_input"), width=112)
        if result.prediction is not None:
            lines = [f"{letter}: {probability:.1%}" for letter, probability in result.prediction.top3]
            columns[2].markdown(f"**{t('camera.top3')}**  \n" + "  \n".join(lines))
        columns[3].metric(t("camera.fps"), f"{result.fps:.1f}")
        columns[3].metric(t("camera.frame_ms"), f"{result.frame_ms:.1f} ms")
        if hand_crop:
            st.caption(t("camera.hand_found") if result.hand_found else t("camera.hand_missing"))
    show_text(t, processor)


def show_upload(t, predictor, roi_fraction: float, hand_crop: bool, threshold: float) -> None:
    """Predict the letter of an uploaded photo with the camera's crop and preprocessing."""
    upload = st.file_uploader(t("camera.upload"), type=["png", "jpg", "jpeg", "bmp", "webp"], help=t("camera.upload_help"))
    if upload is None:
        return
    try:
        image = images.decode_image(upload.getvalue(), upload.name)
    except SignlangError as error:
        ui.show_error(error)
        return
    box, hand_found = hand.crop_box(image, roi_fraction, hand_crop)
    model_input, box = preprocess.preprocess(image, roi_fraction, box)
    prediction = predictor.predict(model_input)
    columns = st.columns([2, 2, 1, 2])
    columns[0].image(image[:, :, ::-1], caption=upload.name)
    columns[1].image(box.crop(image)[:, :, ::-1], caption=t("camera.upload_crop"))
    columns[2].image(enlarge(model_input), caption=t("camera.model_input"), width=112)
    letter = prediction.letter if prediction.confidence >= threshold else t("camera.no_letter")
    columns[3].metric(t("camera.prediction"), letter, f"{prediction.confidence:.1%}")
    if hand_crop:
        st.caption(t("camera.hand_found_photo") if hand_found else t("camera.hand_missing"))


def main() -> None:
    t = ui.translator()
    st.title(t("camera.title"))
    st.caption(t("camera.intro"))

    models = ui.list_models()
    if not models:
        st.info(t("camera.no_models"))
        return
    columns = st.columns(4)
    with columns[0]:
        predictor = pick_predictor(t, models)
    roi_fraction = columns[1].slider(t("camera.roi_fraction"), min_value=preprocess.MIN_ROI_FRACTION,
                                     max_value=preprocess.MAX_ROI_FRACTION, value=config.DEFAULT_ROI_FRACTION,
                                     step=0.05, help=t("camera.roi_fraction_help"), key="roi_fraction")
    threshold = columns[2].slider(t("camera.threshold"), min_value=0.0, max_value=1.0, value=DEFAULT_THRESHOLD,
                                  step=0.05, help=t("camera.threshold_help"), key="threshold")
    mirror = columns[3].checkbox(t("camera.mirror"), value=True, help=t("camera.mirror_help"), key="mirror")
    hand_crop = columns[3].checkbox(t("camera.hand_crop"), value=False, help=t("camera.hand_crop_help"), key="hand_crop")
    if predictor is None:
        st.error(t("camera.no_usable_model"))
        return
    ui.freeze_loaded_objects(predictor.name)

    processor = get_processor()
    # NOTE: the callback runs in a WebRTC worker thread. Replacing the whole settings object is
    # one atomic assignment, so a frame sees either the old or the new settings, never a mix.
    processor.settings = CameraSettings(predictor=predictor, roi_fraction=roi_fraction, mirror=mirror,
                                        threshold=threshold, hand_crop=hand_crop)

    webrtc_streamer(
        key="camera",
        mode=WebRtcMode.SENDRECV,
        video_frame_callback=processor.callback,
        media_stream_constraints={"video": True, "audio": False},
        async_processing=True,
        rtc_configuration={"iceServers": ui.ice_servers()},
        translations={key: t(f"webrtc.{key}") for key in ("start", "stop", "select_device", "media_api_not_available",
                                                          "device_ask_permission", "device_not_available", "device_access_denied")},
    )
    show_live(t, processor, threshold, hand_crop)

    st.divider()
    show_upload(t, predictor, roi_fraction, hand_crop, threshold)


main()
