"""Camera page: sign at the webcam and see the predicted letter drawn over the video."""

import numpy as np
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

from signlang import config, images, preprocess, ui
from signlang.errors import SignlangError
from signlang.inference import CameraSettings, FrameProcessor

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


@st.fragment(run_every=0.5)
def show_live(t, processor: FrameProcessor) -> None:
    """Show the newest frame's top 3 letters, the model input and the timing."""
    result = processor.latest.get()
    if result is None:
        st.caption(t("camera.waiting"))
        return
    if result.error:
        st.error(t("camera.frame_error", reason=result.error))
        return
    columns = st.columns([1, 2, 2])
    if result.model_input is not None:
        columns[0].image(np.kron(result.model_input, np.ones((4, 4), dtype=np.uint8)), caption=t("camera.model_input"), width=112)
    if result.prediction is not None:
        lines = [f"{letter}: {probability:.1%}" for letter, probability in result.prediction.top3]
        columns[1].markdown(f"**{t('camera.top3')}**  \n" + "  \n".join(lines))
    columns[2].metric(t("camera.fps"), f"{result.fps:.1f}")
    columns[2].metric(t("camera.frame_ms"), f"{result.frame_ms:.1f} ms")


def show_upload(t, predictor, roi_fraction: float) -> None:
    """Predict the letter of an uploaded photo with the camera's preprocessing."""
    upload = st.file_uploader(t("camera.upload"), type=["png", "jpg", "jpeg", "bmp", "webp"], help=t("camera.upload_help"))
    if upload is None:
        return
    try:
        image = images.decode_image(upload.getvalue(), upload.name)
    except SignlangError as error:
        ui.show_error(error)
        return
    model_input, _ = preprocess.preprocess(image, roi_fraction)
    prediction = predictor.predict(model_input)
    columns = st.columns([2, 1, 2])
    columns[0].image(image[:, :, ::-1], caption=upload.name)
    columns[1].image(np.kron(model_input, np.ones((4, 4), dtype=np.uint8)), caption=t("camera.model_input"), width=112)
    columns[2].metric(t("camera.prediction"), prediction.letter, f"{prediction.confidence:.1%}")


def main() -> None:
    t = ui.translator()
    st.title(t("camera.title"))
    st.caption(t("camera.intro"))

    models = ui.list_models()
    if not models:
        st.info(t("camera.no_models"))
        return
    columns = st.columns(3)
    with columns[0]:
        predictor = pick_predictor(t, models)
    roi_fraction = columns[1].slider(t("camera.roi_fraction"), min_value=preprocess.MIN_ROI_FRACTION,
                                     max_value=preprocess.MAX_ROI_FRACTION, value=config.DEFAULT_ROI_FRACTION,
                                     step=0.05, help=t("camera.roi_fraction_help"), key="roi_fraction")
    mirror = columns[2].checkbox(t("camera.mirror"), value=True, help=t("camera.mirror_help"), key="mirror")
    if predictor is None:
        st.error(t("camera.no_usable_model"))
        return

    processor = get_processor()
    # NOTE: the callback runs in a WebRTC worker thread. Replacing the whole settings object is
    # one atomic assignment, so a frame sees either the old or the new settings, never a mix.
    processor.settings = CameraSettings(predictor=predictor, roi_fraction=roi_fraction, mirror=mirror)

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
    show_live(t, processor)

    st.divider()
    show_upload(t, predictor, roi_fraction)


main()
