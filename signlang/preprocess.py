"""Turn a camera image into the 28x28 grayscale input the models expect.

The steps follow the tutorial's webcam loop (centered square, gray, 5x5 Gaussian blur, resize
to 28x28), with the square computed from each frame's real size instead of a fixed 1920x1080.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

from signlang import config
from signlang.errors import SettingsError

MIN_ROI_FRACTION = 0.1
MAX_ROI_FRACTION = 1.0


@dataclasses.dataclass(frozen=True)
class Box:
    """A square region of an image, in pixels: top-left corner and side."""

    x: int
    y: int
    side: int

    def crop(self, image: np.ndarray) -> np.ndarray:
        return image[self.y:self.y + self.side, self.x:self.x + self.side]


def center_square(height: int, width: int, fraction: float = config.DEFAULT_ROI_FRACTION) -> Box:
    """Return the centered square whose side is `fraction` of the shorter image side."""
    if not MIN_ROI_FRACTION <= fraction <= MAX_ROI_FRACTION:
        raise SettingsError("roi_fraction_range", value=fraction, low=MIN_ROI_FRACTION, high=MAX_ROI_FRACTION)
    if height < 1 or width < 1:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    side = max(1, int(round(min(height, width) * fraction)))
    return Box((width - side) // 2, (height - side) // 2, side)


def to_gray(image: np.ndarray) -> np.ndarray:
    """Convert a BGR, BGRA or single-channel image to one 8-bit gray channel."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.ndim == 2:
        gray = image
    elif image.ndim == 3 and image.shape[2] == 3:
        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    elif image.ndim == 3 and image.shape[2] == 4:
        gray = cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY)
    else:
        raise ValueError(f"expected a gray, BGR or BGRA image, got shape {image.shape}")
    if gray.dtype != np.uint8:
        gray = _to_uint8(gray)
    return gray


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        scale = 255.0 if image.max(initial=0.0) <= 1.0 else 1.0
        return np.clip(image * scale, 0, 255).astype(np.uint8)
    return np.clip(image, 0, 255).astype(np.uint8)


def roi_to_input(roi: np.ndarray) -> np.ndarray:
    """Gray, blur 5x5 and resize a crop to a `(28, 28)` `uint8` model input."""
    gray = to_gray(roi)
    # The blur removes camera noise before a large downscale. A crop less than twice the model's
    # side (a 28x28 test image, say) is left sharp, because blurring it would only smear it.
    blurred = gray
    if min(gray.shape) >= 2 * config.IMAGE_SIZE:
        blurred = cv2.GaussianBlur(gray, config.BLUR_KERNEL, 0)
    interpolation = cv2.INTER_AREA if min(gray.shape) >= config.IMAGE_SIZE else cv2.INTER_LINEAR
    return cv2.resize(blurred, (config.IMAGE_SIZE, config.IMAGE_SIZE), interpolation=interpolation)


def preprocess(image: np.ndarray, fraction: float = config.DEFAULT_ROI_FRACTION, box: Box | None = None) -> tuple[np.ndarray, Box]:
    """Crop `box` (default: the centered square) from `image` and return the model input and box."""
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"expected an image of shape (height, width[, channels]), got {image.shape}")
    if box is None:
        box = center_square(image.shape[0], image.shape[1], fraction)
    return roi_to_input(box.crop(image)), box
