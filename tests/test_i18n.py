"""Tests of the English and Simplified Chinese catalogs and of every page in both languages."""

from __future__ import annotations

import re
import string

import pytest
from streamlit.testing.v1 import AppTest

from signlang import i18n
from signlang.errors import DataError

from conftest import open_page

pytestmark = pytest.mark.usefixtures("clear_streamlit_caches")

PAGES = [None, "pages/train.py", "pages/compare.py", "pages/camera.py"]
FORMATTER = string.Formatter()


def placeholders(text: str) -> list[str]:
    return sorted(field for _, field, _, _ in FORMATTER.parse(text) if field is not None)


def test_catalogs_have_the_same_keys():
    english = i18n.catalog("en")
    chinese = i18n.catalog("zh-CN")
    assert sorted(set(english) - set(chinese)) == []
    assert sorted(set(chinese) - set(english)) == []


def test_catalogs_have_the_same_placeholders():
    english = i18n.catalog("en")
    chinese = i18n.catalog("zh-CN")
    mismatched = [key for key in english if placeholders(english[key]) != placeholders(chinese[key])]
    assert mismatched == []


def test_chinese_catalog_is_translated():
    english = i18n.catalog("en")
    chinese = i18n.catalog("zh-CN")
    same = [key for key in english
            if english[key] == chinese[key] and re.search(r"[a-z]{4,}", re.sub(r"\{[^}]*\}", "", english[key]))]
    assert same == []
    assert all(re.search(r"[\u4e00-\u9fff]", chinese[key]) for key in chinese if key.startswith("errors."))


def test_every_key_used_in_code_exists():
    import pathlib

    from signlang import config

    used = set()
    for path in list((config.PROJECT_ROOT / "pages").glob("*.py")) + [config.PROJECT_ROOT / "app.py"]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+\.[a-z0-9_.]+)["']""", path.read_text()))
    for path in pathlib.Path(config.PROJECT_ROOT / "signlang").glob("*.py"):
        used |= {f"errors.{key}" for key in re.findall(r"""Error\(\s*["']([a-z0-9_]+)["']""", path.read_text())}
    missing = sorted(key for key in used if key not in i18n.catalog("en"))
    assert missing == []


def test_error_message_follows_language():
    error = DataError("bad_label", file="a.csv", row=2, line=3, value=9)
    assert "label 9 is invalid" in str(error)
    assert "label 9 is invalid" not in error.message("zh-CN")
    assert "a.csv" in error.message("zh-CN")
    assert "9" in error.message("zh-CN")


@pytest.mark.parametrize(("header", "expected"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
    ("zh", "zh-CN"),
    ("en-US,en;q=0.9", "en"),
    ("zh-TW", "en"),
    ("zh-TW,zh;q=0.9", "zh-CN"),
    ("fr-FR", "en"),
    (None, "en"),
])
def test_match_language_from_browser(header, expected):
    assert i18n.match_language(header) == expected


def visible_text(app: AppTest) -> list[str]:
    """Collect every string a user can see on the page: text, labels, help, options, alerts."""
    texts: list[str] = []

    def walk(node):
        for attribute in ("value", "label", "body", "help", "placeholder", "caption", "text"):
            try:
                value = getattr(node, attribute, None)
            except Exception:  # noqa: BLE001 - some element properties need a live widget state
                continue
            if isinstance(value, str):
                texts.append(value)
        options = getattr(node, "options", None)
        if isinstance(options, (list, tuple)):
            texts.extend(str(option) for option in options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return texts


def english_fragments() -> list[str]:
    """Literal pieces of English catalog text long enough to be recognised on a page."""
    chinese_text = "\n".join(i18n.catalog("zh-CN").values())
    fragments = []
    for text in i18n.catalog("en").values():
        for literal, *_ in FORMATTER.parse(text):
            for piece in re.split(r"[*`\n]", literal):
                piece = piece.strip(" .:,;()")
                if len(piece) >= 8 and re.search(r"[a-z]{3,} [a-z]{2,}", piece) and piece not in chinese_text:
                    fragments.append(piece)
    return sorted(set(fragments))


def run_in_language(page: str | None, language: str) -> AppTest:
    return open_page(page, language)


@pytest.mark.parametrize("page", PAGES, ids=["home", "train", "compare", "camera"])
def test_page_in_chinese_shows_no_english_text(with_data, app_models, webrtc_calls, page):
    fragments = english_fragments()
    english_shown = "\n".join(visible_text(run_in_language(page, "en")))
    assert [fragment for fragment in fragments if fragment in english_shown], "the check finds no English text"

    app = run_in_language(page, "zh-CN")
    shown = "\n".join(visible_text(app))
    leftovers = [fragment for fragment in fragments if fragment in shown]
    assert leftovers == []
    assert re.search(r"[\u4e00-\u9fff]", shown)


@pytest.mark.parametrize("page", PAGES, ids=["home", "train", "compare", "camera"])
def test_language_switch_changes_page_text(with_data, app_models, webrtc_calls, page):
    app = run_in_language(page, "en")
    english_title = app.title[0].value
    switch = app.sidebar.selectbox(key="language_select")
    assert switch.value == "en"
    switch.set_value("zh-CN").run()
    assert not app.exception
    assert app.session_state["language"] == "zh-CN"
    assert app.sidebar.selectbox(key="language_select").value == "zh-CN"
    assert not app.exception
    assert app.title[0].value != english_title
    assert app.title[0].value == i18n.translate(
        {None: "home.title", "pages/train.py": "train.title", "pages/compare.py": "compare.title",
         "pages/camera.py": "camera.title"}[page], "zh-CN")
