"""Compare page: two saved models side by side on the test set."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from signlang import compare, config, evaluation, ui
from signlang.errors import ModelFileError, SignlangError

MAX_MISTAKES_SHOWN = 30


@st.cache_data(show_spinner=False, max_entries=8)
def load_scores(path: str, mtime: float, data_version: tuple) -> evaluation.Scores:
    """Score a model on the whole test set, cached per model file and data version."""
    predictor = ui.load_predictor(path, mtime)
    test_data = ui.load_split(str(ui.data_dir()), "test", data_version)
    return evaluation.evaluate(predictor.model, test_data)


@st.cache_data(show_spinner=False, max_entries=8)
def load_frame_time(path: str, mtime: float) -> float:
    return compare.frame_time_ms(ui.load_predictor(path, mtime))


# Decimal places per row of the comparison table; rows not listed are whole numbers.
ROW_DECIMALS = {"accuracy": 4, "loss": 4, "file_mb": 2, "train_seconds": 1, "frame_ms": 2}


def format_row(row: pd.Series) -> pd.Series:
    """Format one row of the comparison table; `row.name` is its key in ROW_DECIMALS."""
    decimals = ROW_DECIMALS.get(row.name, 0)
    return row.map(lambda value: "" if value is None or pd.isna(value) else f"{value:,.{decimals}f}")


def confusion_chart(t, scores: evaluation.Scores) -> alt.Chart:
    matrix = scores.confusion_matrix()
    rows = [
        {"true": config.LETTERS[i], "predicted": config.LETTERS[j], "count": int(matrix[i, j])}
        for i in range(config.NUM_CLASSES) for j in range(config.NUM_CLASSES) if matrix[i, j]
    ]
    letters = list(config.LETTERS)
    return alt.Chart(pd.DataFrame(rows)).mark_rect().encode(
        x=alt.X("predicted:N", sort=letters, title=t("compare.predicted_axis")),
        y=alt.Y("true:N", sort=letters, title=t("compare.true_axis")),
        color=alt.Color("count:Q", scale=alt.Scale(type="log"), title=t("compare.count")),
        tooltip=["true", "predicted", "count"],
    ).properties(height=420)


def curves_chart(t, histories: dict[str, dict]) -> None:
    """Draw both models' accuracy and loss curves, one chart per metric."""
    for metric in ("accuracy", "loss"):
        series = {}
        for name, history in histories.items():
            for key, label in ((metric, "train.series_training"), (f"val_{metric}", "train.series_validation")):
                if history.get(key):
                    series[f"{name} · {t(label)}"] = pd.Series(history[key], index=range(1, len(history[key]) + 1))
        if series:
            st.markdown(f"**{t(f'train.chart_{metric}')}**")
            frame = pd.DataFrame(series)
            frame.index.name = t("train.epoch_axis")
            st.line_chart(frame, x_label=t("train.epoch_axis"), y_label=t(f"train.chart_{metric}"), height=280)


def show_mistakes(t, name: str, scores: evaluation.Scores, images: np.ndarray) -> None:
    mistakes = scores.mistakes()
    st.markdown(f"**{name}**: {t('compare.mistake_count', count=len(mistakes), n=scores.n)}")
    if not len(mistakes):
        return
    shown = mistakes[:MAX_MISTAKES_SHOWN]
    predicted = scores.predicted_classes
    captions = [t("compare.mistake_caption", true=config.LETTERS[scores.true_classes[i]], predicted=config.LETTERS[predicted[i]]) for i in shown]
    st.image([np.kron(images[i], np.ones((3, 3), dtype=np.uint8)) for i in shown], caption=captions, width=84)


def main() -> None:
    t = ui.translator()
    st.title(t("compare.title"))

    models = ui.list_models()
    if len(models) < 2:
        st.info(t("compare.need_two"))
        return
    names = [info.name for info in models]
    columns = st.columns(2)
    first = columns[0].selectbox(t("compare.model_a"), names, index=0, key="compare_first")
    second = columns[1].selectbox(t("compare.model_b"), names, index=1, key="compare_second")
    chosen = [next(info for info in models if info.name == name) for name in (first, second)]

    test_data = ui.load_split_or_none("test")
    if test_data is None:
        st.info(t("compare.no_data"))

    rows, scores = {}, {}
    for info in chosen:
        try:
            stat = info.path.stat()
        except OSError:
            # The file was deleted or moved after the list was read.
            ui.show_error(ModelFileError("model_missing", file=info.path))
            return
        mtime = stat.st_mtime
        try:
            with st.spinner(t("compare.evaluating", name=info.name)):
                frame_ms = load_frame_time(str(info.path), mtime)
                if test_data is not None:
                    scores[info.name] = load_scores(str(info.path), mtime, ui.data_version(ui.data_dir()))
        except SignlangError as error:
            ui.show_error(error)
            return
        row = compare.summary_row(info.metadata, stat.st_size)
        if info.name in scores:
            row["accuracy"], row["loss"] = scores[info.name].accuracy, scores[info.name].loss
        row["frame_ms"] = frame_ms
        rows[info.name] = row

    table = pd.DataFrame(rows).apply(format_row, axis=1)
    st.dataframe(table.rename(index=lambda key: t(f"compare.row_{key}")))

    st.subheader(t("compare.curves_heading"))
    curves_chart(t, {info.name: info.metadata.get("history", {}) for info in chosen})

    if test_data is None:
        return

    st.subheader(t("compare.confusion_heading"))
    columns = st.columns(2)
    for column, name in zip(columns, scores):
        column.markdown(f"**{name}**")
        column.altair_chart(confusion_chart(t, scores[name]), width="stretch")

    st.subheader(t("compare.per_letter_heading"))
    per_letter = pd.DataFrame({name: pd.Series(s.per_letter_accuracy()) for name, s in scores.items()})
    per_letter.index.name = t("train.letter")
    long = per_letter.reset_index().melt(id_vars=t("train.letter"), var_name=t("compare.model"), value_name=t("compare.row_accuracy"))
    st.altair_chart(alt.Chart(long).mark_bar().encode(
        x=alt.X(f"{t('train.letter')}:N", sort=list(config.LETTERS)),
        xOffset=f"{t('compare.model')}:N",
        y=alt.Y(f"{t('compare.row_accuracy')}:Q", scale=alt.Scale(zero=False)),
        color=f"{t('compare.model')}:N",
    ).properties(height=300), width="stretch")

    st.subheader(t("compare.mistakes_heading"))
    for name in scores:
        show_mistakes(t, name, scores[name], test_data.images)


main()
