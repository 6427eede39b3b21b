"""Streamlit helpers shared by the pages: page set-up, language, cached loaders, errors.

This is the only module of the package that imports Streamlit.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Callable

import streamlit as st

from signlang import config, i18n
from signlang.errors import SignlangError

logger = logging.getLogger(__name__)

LANGUAGE_KEY = "language"
LANGUAGE_WIDGET_KEY = "language_select"


def _store_language() -> None:
    st.session_state[LANGUAGE_KEY] = st.session_state[LANGUAGE_WIDGET_KEY]


def _browser_language() -> str:
    locale = getattr(st.context, "locale", None)
    if locale:
        return i18n.match_language(locale)
    try:
        return i18n.match_language(st.context.headers.get("Accept-Language"))
    except (AttributeError, RuntimeError):
        return i18n.DEFAULT_LANGUAGE


def current_language() -> str:
    """Return the session's language, set from the browser on the first run."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = _browser_language()
    return st.session_state[LANGUAGE_KEY]


# Page script, title key, icon and URL path (None: the home page at /).
PAGES = (
    ("pages/home.py", "home.title", ":material/home:", None),
    ("pages/train.py", "train.title", ":material/model_training:", "train"),
    ("pages/compare.py", "compare.title", ":material/compare:", "compare"),
    ("pages/camera.py", "camera.title", ":material/videocam:", "camera"),
)


def navigation(t: Callable[..., str]):
    """Register the app's pages with translated titles and return the navigation."""
    pages = []
    for path, title_key, icon, url_path in PAGES:
        if url_path is None:
            pages.append(st.Page(path, title=t(title_key), icon=icon, default=True))
        else:
            pages.append(st.Page(path, title=t(title_key), icon=icon, url_path=url_path))
    return st.navigation(pages)


def _join_navigation() -> None:
    """Draw the language switch and the navigation when Streamlit ran a page file on its own.

    NOTE: until some session has called st.navigation, Streamlit 1.67 treats a top-level
    `pages/` folder as an old-style multipage app, so a first request for /camera runs
    pages/camera.py without app.py: no language switch and untranslated page names. The page
    then does app.py's part itself; st.navigation also ends the old-style mode for the server.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        navigation(setup_app())


def translator() -> Callable[..., str]:
    """Return `t(key, **params)` for the session's language.

    Pages call this first, so it also makes sure the page runs under app.py's navigation;
    app.py itself uses setup_app, which runs before its st.navigation call.
    """
    _join_navigation()
    language = current_language()
    return lambda key, **params: i18n.translate(key, language, **params)


def setup_app() -> Callable[..., str]:
    """Configure the app, draw the language switch in the sidebar and return the translator.

    The entry script calls this before every page, so the switch is on every page.
    """
    language = current_language()
    st.set_page_config(page_title=i18n.translate("app.title", language), page_icon="🤟", layout="wide")
    # The widget keeps its own key and copies its value into the session's language. Its id
    # can change between runs (see _join_navigation), and the session's choice must survive.
    st.session_state[LANGUAGE_WIDGET_KEY] = language
    st.sidebar.selectbox(
        "Language / 语言", list(i18n.LANGUAGES), key=LANGUAGE_WIDGET_KEY,
        format_func=lambda code: i18n.LANGUAGES[code], on_change=_store_language,
    )
    return lambda key, **params: i18n.translate(key, language, **params)


def show_error(error: SignlangError) -> None:
    """Show a package error in the session's language."""
    st.error(error.message(current_language()))


def data_dir() -> Path:
    """Return the data folder the app reads: $SIGNLANG_DATA_DIR, else ./data."""
    return config.resolve_data_dir(None)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def data_version(folder: Path) -> tuple:
    """Return a cache key that changes when the data files in `folder` change."""
    names = [config.TRAIN_CSV, f"{config.TRAIN_CSV}.gz", config.TEST_CSV, f"{config.TEST_CSV}.gz", config.KAGGLE_ARCHIVE]
    return tuple(_mtime(folder / name) for name in names)


@st.cache_data(show_spinner=False, max_entries=4)
def load_split(folder: str, split: str, version: tuple):
    """Read and validate one split, cached per folder and file modification times."""
    from signlang import data

    return data.load_split(Path(folder), split)


def load_split_or_none(split: str):
    """Return the split of the data folder, or None when the files are absent or invalid."""
    from signlang import data

    folder = data_dir()
    if not data.has_data(folder):
        return None
    try:
        return load_split(str(folder), split, data_version(folder))
    except SignlangError as error:
        show_error(error)
        return None


@st.cache_resource(show_spinner=False)
def freeze_loaded_objects(loaded: str) -> bool:
    """Exclude every object alive now (TensorFlow, Keras, the loaded model) from garbage collection.

    Pages call this once per process for each `loaded` name (a model or the trainer), right
    after loading it. Freezing on every run would keep each run's cyclic garbage forever.

    After every script run, fragment runs included, Streamlit 1.67 calls gc.collect(2) and
    keras.backend.clear_session(), which collects again. With TensorFlow loaded the two took
    about 300 ms together on a 2-core machine, holding the GIL and stalling the video threads
    and other sessions. Frozen objects are skipped, which cuts that to about 1 ms.
    """
    import gc

    gc.freeze()
    return True


@st.cache_resource(show_spinner=False)
def load_trainer():
    """Return the server's one TrainingManager, shared by all sessions."""
    from signlang.jobs import TrainingManager

    return TrainingManager()


@st.cache_resource(show_spinner=False, max_entries=8)
def load_predictor(path: str, mtime: float):
    """Load a model once per process and file version, warmed up and ready for frames."""
    from signlang.inference import Predictor

    return Predictor.load(Path(path))


def predictor_for(path: Path):
    """Return the cached Predictor of `path`, or raise ModelFileError."""
    return load_predictor(str(path), _mtime(path))


def list_models():
    """List the saved models that have readable metadata."""
    from signlang import storage

    return storage.list_models()


def ice_servers() -> list[dict]:
    """Return WebRTC ICE servers from $SIGNLANG_ICE_SERVERS (JSON), none by default.

    None are needed on localhost or a LAN; across NAT, set a STUN or TURN server there.
    """
    import json

    raw = os.environ.get("SIGNLANG_ICE_SERVERS")
    if not raw:
        return []
    try:
        servers = json.loads(raw)
    except json.JSONDecodeError:
        logger.error("SIGNLANG_ICE_SERVERS is not valid JSON, so no ICE servers are used: %r", raw)
        return []
    return servers if isinstance(servers, list) else []
