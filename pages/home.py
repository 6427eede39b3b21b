"""Home page: what the app does, whether the data set is there, and the saved models."""

import pandas as pd
import streamlit as st

from signlang import config, data, ui


def show_data_status(t) -> None:
    folder = ui.data_dir()
    st.subheader(t("home.data_heading"))
    if data.has_data(folder):
        st.success(t("home.data_found", folder=folder.resolve()))
        return
    st.warning(t("home.data_missing", folder=folder.resolve()))
    st.markdown(t("home.data_how", dataset=config.KAGGLE_DATASET, env=config.DATA_DIR_ENV))


def show_models(t) -> None:
    st.subheader(t("home.models_heading"))
    models = ui.list_models()
    if not models:
        st.info(t("home.no_models"))
        return
    rows = [
        {
            t("home.col_name"): info.name,
            t("home.col_architecture"): info.metadata.get("architecture", "?"),
            t("home.col_accuracy"): info.test_accuracy,
            t("home.col_status"): t(f"status.{info.metadata.get('status', 'complete')}"),
            t("home.col_created"): info.metadata.get("created", ""),
        }
        for info in models
    ]
    st.dataframe(
        pd.DataFrame(rows), hide_index=True,
        column_config={t("home.col_accuracy"): st.column_config.NumberColumn(format="percent")},
    )


def main() -> None:
    t = ui.translator()
    st.title(t("home.title"))
    st.markdown(t("home.intro"))

    columns = st.columns(3)
    columns[0].page_link("pages/train.py", label=t("train.title"), icon=":material/model_training:")
    columns[1].page_link("pages/compare.py", label=t("compare.title"), icon=":material/compare:")
    columns[2].page_link("pages/camera.py", label=t("camera.title"), icon=":material/videocam:")

    show_data_status(t)
    show_models(t)


main()
