"""Errors that carry a message key, so the UI can show them in the user's language."""

from __future__ import annotations


class SignlangError(Exception):
    """An error whose text comes from the message catalog.

    `key` names the message under `[errors]` in the catalogs and `params` fills it in.
    `str(error)` is the English text, which the CLI prints.
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """Return the message in `language`, falling back to English."""
        from signlang import i18n

        return i18n.translate(f"errors.{self.key}", language, **self.params)


class DataError(SignlangError):
    """A data file is missing, unreadable or not in the Sign Language MNIST layout."""


class ModelFileError(SignlangError):
    """A model file or its metadata is missing, corrupt or does not fit this app."""


class SettingsError(SignlangError, ValueError):
    """A training or camera setting is outside its valid range."""


class ImageError(SignlangError):
    """An image file cannot be read as a picture."""


class TrainingBusyError(SignlangError):
    """A training run is already in progress on this server."""
