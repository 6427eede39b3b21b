"""Message catalogs for English and Simplified Chinese, read from signlang/locales/*.toml."""

from __future__ import annotations

import functools
import logging
import tomllib
from pathlib import Path

logger = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "zh-CN": "简体中文"}
DEFAULT_LANGUAGE = "en"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """Return the flat `key -> text` catalog of `language` (for example "en" or "zh-CN")."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {', '.join(LANGUAGES)}")
    path = LOCALES_DIR / f"{language}.toml"
    with path.open("rb") as file:
        return _flatten(tomllib.load(file))


def translate(key: str, language: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Return the text for `key` in `language`, formatted with `params`.

    A key missing from a non-English catalog falls back to English, and a missing English key
    returns the key itself, so a gap in a catalog never breaks a page.
    """
    text = catalog(language).get(key)
    if text is None and language != DEFAULT_LANGUAGE:
        logger.warning("message %s is missing from the %s catalog", key, language)
        text = catalog(DEFAULT_LANGUAGE).get(key)
    if text is None:
        logger.warning("message %s is missing from the English catalog", key)
        return key
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        logger.exception("message %s could not be formatted with %s", key, sorted(params))
        return text


def match_language(accept_language: str | None) -> str:
    """Pick a catalog language from a browser's Accept-Language value, English by default."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh") and not any(t in tag for t in ("-tw", "-hk", "-mo", "hant")):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE
