"""Train page: get the data set, train a model in the background and watch its curves grow."""

import numpy as np
import pandas as pd
import streamlit as st

from signlang import acquire, config, data, jobs, training, ui
from signlang.errors import SignlangError


def show_data_status(t, folder) -> None:
    """Say which data files are missing, or that the ones found were rejected."""
    try:
        found = data.locate_sources(folder)
    except SignlangError as error:
        ui.show_error(error)
        return
    if len(found) == len(acquire.SPLIT_FILES):
        st.info(t("train.data_invalid", folder=folder.resolve()))
    elif found:
        missing = [name for split, name in acquire.SPLIT_FILES.items() if split not in found]
        st.warning(t("train.data_partial", folder=folder.resolve(), files=", ".join(missing)))
    else:
        st.warning(t("train.data_missing", folder=folder.resolve()))


def save_uploads(folder, archive, uploads: dict) -> None:
    """Check every uploaded file, then save them all. Nothing is saved when one is invalid."""
    checked = []
    if archive is not None:
        checked += acquire.check_archive_upload(archive.getvalue(), archive.name)
    for split, upload in uploads.items():
        if upload is not None:
            checked.append(acquire.check_upload(upload.getvalue(), upload.name, split))
    acquire.save_checked(checked, folder)


def show_data_setup(t) -> None:
    """Offer an upload and a Kaggle download when the data folder lacks valid CSVs."""
    folder = ui.data_dir()
    show_data_status(t, folder)

    train_file = st.file_uploader(t("train.upload_train"), type=["csv", "gz"], key="upload_train", max_upload_size=config.MAX_UPLOAD_MB)
    test_file = st.file_uploader(t("train.upload_test"), type=["csv", "gz"], key="upload_test", max_upload_size=config.MAX_UPLOAD_MB)
    archive = st.file_uploader(t("train.upload_archive"), type=["zip"], key="upload_archive", max_upload_size=config.MAX_UPLOAD_MB)
    if st.button(t("train.save_uploads"), disabled=not (train_file or test_file or archive), key="save_uploads"):
        try:
            with st.spinner(t("train.checking_upload")):
                save_uploads(folder, archive, {"train": train_file, "test": test_file})
        except SignlangError as error:
            ui.show_error(error)
            return
        st.success(t("train.upload_saved", folder=folder.resolve()))
        st.rerun()

    st.caption(t("train.kaggle_hint", dataset=config.KAGGLE_DATASET))
    if st.button(t("train.kaggle_button"), key="kaggle_download"):
        try:
            with st.spinner(t("train.kaggle_downloading")):
                acquire.download_from_kaggle(folder)
        except SignlangError as error:
            ui.show_error(error)
            return
        st.rerun()


def show_dataset(t, train_data: data.ImageSet) -> None:
    """Show the count of each letter and one sample image per letter."""
    with st.expander(t("train.dataset_heading", rows=len(train_data)), expanded=False):
        classes = train_data.classes
        counts = np.bincount(classes, minlength=config.NUM_CLASSES)
        frame = pd.DataFrame({t("train.letter"): list(config.LETTERS), t("train.count"): counts})
        st.bar_chart(frame, x=t("train.letter"), y=t("train.count"), x_label=t("train.letter"), y_label=t("train.count"))

        samples = [train_data.images[np.flatnonzero(classes == i)[0]] for i in range(config.NUM_CLASSES) if counts[i]]
        letters = [letter for i, letter in enumerate(config.LETTERS) if counts[i]]
        st.image([np.kron(image, np.ones((3, 3), dtype=np.uint8)) for image in samples], caption=letters, width=84)


def show_form(t, trainer: jobs.TrainingManager, train_rows: int) -> None:
    """Draw the settings form and start a job on submit."""
    architecture = st.selectbox(t("train.architecture"), config.ARCHITECTURES, format_func=lambda a: t(f"arch.{a}"), key="architecture")
    with st.form("train_settings"):
        columns = st.columns(3)
        epochs = columns[0].number_input(t("train.epochs"), min_value=1, max_value=training.MAX_EPOCHS,
                                         value=training.DEFAULT_EPOCHS[architecture], step=1, help=t("train.epochs_help"), key="epochs")
        batch_size = columns[1].select_slider(t("train.batch_size"), options=[16, 32, 64, 128, 256, 512],
                                              value=training.DEFAULT_BATCH_SIZE, help=t("train.batch_size_help"), key="batch_size")
        learning_rate = columns[2].number_input(t("train.learning_rate"), min_value=1e-5, max_value=1.0,
                                                value=training.DEFAULT_LEARNING_RATE[architecture], step=1e-4,
                                                format="%.4f", help=t("train.learning_rate_help"))
        columns = st.columns(2)
        augment = columns[0].checkbox(t("train.augment"), value=True, help=t("train.augment_help"))
        val_fraction = columns[1].slider(t("train.val_fraction"), min_value=0.05, max_value=0.5,
                                         value=config.DEFAULT_VAL_FRACTION, step=0.05, help=t("train.val_fraction_help"))
        submitted = st.form_submit_button(t("train.start"), type="primary")

    if not submitted:
        return
    settings = training.TrainSettings(architecture=architecture, epochs=int(epochs), batch_size=int(batch_size),
                                      learning_rate=float(learning_rate), augment=augment, val_fraction=float(val_fraction))
    try:
        settings.validate(train_rows)
        trainer.start(settings, ui.data_dir())
    except SignlangError as error:
        ui.show_error(error)


def history_chart(t, history: dict, metric: str) -> None:
    """Draw the training and validation curve of one metric against the epoch."""
    train_values = history.get(metric, [])
    val_values = history.get(f"val_{metric}", [])
    frame = pd.DataFrame({
        t("train.series_training"): train_values,
        t("train.series_validation"): val_values + [None] * (len(train_values) - len(val_values)),
    }, index=pd.RangeIndex(1, len(train_values) + 1, name=t("train.epoch_axis")))
    st.markdown(f"**{t(f'train.chart_{metric}')}**")
    st.line_chart(frame, x_label=t("train.epoch_axis"), y_label=t(f"train.chart_{metric}"), height=260)


@st.fragment(run_every=1.0)
def show_progress(t) -> None:
    """Poll the server's training job every second and draw its state."""
    trainer = ui.load_trainer()
    snapshot = trainer.snapshot()
    if snapshot.state == jobs.IDLE:
        return

    settings = snapshot.settings
    progress = snapshot.progress
    st.subheader(t("train.progress_heading", architecture=t(f"arch.{settings.architecture}")))
    if snapshot.running:
        st.info(t("errors.training_busy", architecture=settings.architecture,
                  epoch=max(progress.epoch, 1), epochs=progress.epochs))
        if snapshot.phase == jobs.LOADING:
            st.progress(0.0, text=t("train.phase_loading"))
        elif snapshot.phase == jobs.EVALUATING:
            st.progress(1.0, text=t("train.phase_evaluating"))
        else:
            done = (max(progress.epoch - 1, 0) + progress.batch / max(progress.batches, 1)) / max(progress.epochs, 1)
            st.progress(min(done, 1.0), text=t("train.progress_text", epoch=progress.epoch, epochs=progress.epochs,
                                               batch=progress.batch, batches=progress.batches, seconds=snapshot.elapsed_s))
        if st.button(t("train.stop"), help=t("train.stop_help")):
            trainer.stop()
            st.info(t("train.stopping"))

    if progress.history.get("loss"):
        columns = st.columns(2)
        with columns[0]:
            history_chart(t, progress.history, "accuracy")
        with columns[1]:
            history_chart(t, progress.history, "loss")

    if snapshot.state in (jobs.COMPLETE, jobs.STOPPED):
        show_result(t, snapshot)
    elif snapshot.state == jobs.FAILED:
        if snapshot.error is not None:
            ui.show_error(snapshot.error)
        else:
            st.error(t("train.failed", reason=snapshot.error_text))


def show_result(t, snapshot: jobs.JobSnapshot) -> None:
    test = (snapshot.metadata or {}).get("test", {})
    key = "train.finished" if snapshot.state == jobs.COMPLETE else "train.stopped"
    st.success(t(key, accuracy=test.get("accuracy", float("nan")), loss=test.get("loss", float("nan")),
                 seconds=snapshot.metadata.get("train_seconds", 0.0), name=snapshot.model_path.stem))
    if st.button(t("train.use_on_camera"), type="primary"):
        st.session_state["camera_model"] = snapshot.model_path.stem
        st.switch_page("pages/camera.py")


def main() -> None:
    t = ui.translator()
    st.title(t("train.title"))
    trainer = ui.load_trainer()
    ui.freeze_loaded_objects("trainer")

    # Each call shows the error itself when a file is present but invalid.
    train_data = ui.load_split_or_none("train")
    test_data = ui.load_split_or_none("test") if train_data is not None else None
    if train_data is None or test_data is None:
        show_data_setup(t)
        return
    show_dataset(t, train_data)

    st.subheader(t("train.settings_heading"))
    show_form(t, trainer, len(train_data))
    show_progress(t)


main()
