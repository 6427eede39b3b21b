"""Entry point: the language switch and the navigation between the app's pages."""

import streamlit as st

from signlang import ui


def main() -> None:
    t = ui.setup_app()
    pages = [
        st.Page("pages/home.py", title=t("home.title"), icon=":material/home:", default=True),
        st.Page("pages/train.py", title=t("train.title"), icon=":material/model_training:", url_path="train"),
        st.Page("pages/compare.py", title=t("compare.title"), icon=":material/compare:", url_path="compare"),
        st.Page("pages/camera.py", title=t("camera.title"), icon=":material/videocam:", url_path="camera"),
    ]
    st.navigation(pages).run()


main()
