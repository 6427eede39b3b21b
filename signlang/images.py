"""Read image files and uploads into BGR arrays, with clear errors for files that are not images."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from signlang.errors import ImageError

MAX_IMAGE_PIXELS = 50_000_000


def decode_image(data: bytes, name: str) -> np.ndarray:
    """Decode image bytes (PNG, JPEG, BMP, ...) to an 8-bit BGR array.

    16-bit images are scaled to 8 bits and CMYK JPEGs converted to BGR by OpenCV.
    """
    if not data:
        raise ImageError("image_empty", file=name)
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ImageError("image_unreadable", file=name)
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise ImageError("image_too_large", file=name, width=image.shape[1], height=image.shape[0])
    return image


def read_image(path: Path) -> np.ndarray:
    """Read an image file into an 8-bit BGR array."""
    path = Path(path)
    if path.is_dir():
        raise ImageError("image_is_folder", file=path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise ImageError("image_not_found", file=path) from error
    except OSError as error:
        raise ImageError("image_unreadable", file=path) from error
    return decode_image(data, str(path))
