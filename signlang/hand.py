"""Find the hand in a camera frame with OpenCV masks and return a padded square around it.

Two masks are tried in order. In colour frames, skin is the pixels whose YCrCb chroma lies
in a fixed range that skin detectors often use, Cr 133-173 and Cb 77-127. In gray or
low-saturation frames, and in colour frames without skin, the foreground is the pixels that
differ from a background plane fitted to a strip along the frame border.
The largest contour of the mask, if it is neither tiny nor nearly the whole frame, gives the
hand's bounding box.
"""

from __future__ import annotations

import cv2
import numpy as np

from signlang.preprocess import Box, center_square

# Masks are computed on a copy whose longer side is at most this many pixels, for speed.
WORK_SIDE = 320
# YCrCb chroma range of skin. A fixed range misses skin under strongly coloured light.
SKIN_CR = (133, 173)
SKIN_CB = (77, 127)
# A frame whose mean HSV saturation (0-255) is below this is treated as gray.
GRAY_SATURATION = 30
# Border strip that models the background, as a share of the shorter side, and the number
# of pieces each side's strip is cut into for the background fit.
BORDER_FRACTION = 0.05
BORDER_SEGMENTS = 8
# Smallest difference from the background (0-255) that counts as foreground.
MIN_FOREGROUND_DIFFERENCE = 25
# The largest contour must cover this share of the frame, and its box must not span it.
MIN_AREA_FRACTION = 0.01
MAX_SPAN_FRACTION = 0.95
# Padding added on each side of the hand's box, as a share of its longer side. Of 0, 0.05, 0.1
# and 0.2, 0.05 had the best mean accuracy in `bench-crop --split train --limit 500`.
DEFAULT_PADDING = 0.05


def is_gray(image: np.ndarray) -> bool:
    """Return whether `image` has one channel or too little colour for the skin mask."""
    if image.ndim == 2 or image.shape[2] == 1:
        return True
    saturation = cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_BGR2HSV)[:, :, 1]
    return float(saturation.mean()) < GRAY_SATURATION


def skin_mask(image: np.ndarray) -> np.ndarray:
    """Return a 0/255 mask of the skin-coloured pixels of a BGR image."""
    ycrcb = cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb)
    return cv2.inRange(ycrcb, (0, SKIN_CR[0], SKIN_CB[0]), (255, SKIN_CR[1], SKIN_CB[1]))


def _border_samples(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the centres (x, y) and median colours of BORDER_SEGMENTS pieces of each border strip."""
    height, width = pixels.shape[:2]
    strip = max(1, int(round(min(height, width) * BORDER_FRACTION)))
    centres, colours = [], []
    for side in ("top", "bottom", "left", "right"):
        length = width if side in ("top", "bottom") else height
        edges = np.linspace(0, length, BORDER_SEGMENTS + 1).astype(int)
        for start, stop in zip(edges[:-1], edges[1:]):
            if stop <= start:
                continue
            if side == "top":
                piece, centre = pixels[:strip, start:stop], ((start + stop) / 2, strip / 2)
            elif side == "bottom":
                piece, centre = pixels[-strip:, start:stop], ((start + stop) / 2, height - strip / 2)
            elif side == "left":
                piece, centre = pixels[start:stop, :strip], (strip / 2, (start + stop) / 2)
            else:
                piece, centre = pixels[start:stop, -strip:], (width - strip / 2, (start + stop) / 2)
            centres.append(centre)
            colours.append(np.median(piece.reshape(-1, pixels.shape[2]), axis=0))
    return np.array(centres, dtype=np.float64), np.array(colours, dtype=np.float64)


def background_model(pixels: np.ndarray) -> np.ndarray:
    """Estimate the background of a (height, width, channels) image as a plane fitted to its border.

    A plane per channel follows a wall lit from one side. Border pieces that the hand or arm
    covers fit the plane badly, so pieces whose error exceeds three times the median error
    (and MIN_FOREGROUND_DIFFERENCE / 2) are dropped and the plane is fitted again.
    """
    height, width = pixels.shape[:2]
    centres, colours = _border_samples(pixels)
    design = np.column_stack([np.ones(len(centres)), centres])
    keep = np.ones(len(centres), dtype=bool)
    for _ in range(2):
        coefficients, *_ = np.linalg.lstsq(design[keep], colours[keep], rcond=None)
        errors = np.abs(design @ coefficients - colours).max(axis=1)
        limit = max(3 * float(np.median(errors[keep])), MIN_FOREGROUND_DIFFERENCE / 2)
        if (errors[keep] <= limit).all() or (errors <= limit).sum() < 3:
            break
        keep = errors <= limit
    ys, xs = np.mgrid[0:height, 0:width]
    return (coefficients[0] + xs[..., None] * coefficients[1] + ys[..., None] * coefficients[2]).astype(np.float32)


def foreground_mask(image: np.ndarray) -> np.ndarray:
    """Return a 0/255 mask of the pixels that differ from the background fitted to the frame border.

    The threshold is Otsu's on the difference image, but at least MIN_FOREGROUND_DIFFERENCE,
    so sensor noise on a plain background never becomes foreground.
    """
    pixels = image.reshape(image.shape[0], image.shape[1], -1).astype(np.float32)
    difference = np.abs(pixels - background_model(pixels)).max(axis=2)
    difference = np.clip(difference, 0, 255).astype(np.uint8)
    otsu, _ = cv2.threshold(difference, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(float(otsu), float(MIN_FOREGROUND_DIFFERENCE))
    return np.where(difference > threshold, 255, 0).astype(np.uint8)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Remove specks and fill small holes with a morphological opening and closing."""
    side = max(3, (min(mask.shape) // 60) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, iterations=2)


def largest_region(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Return the bounding box (x, y, w, h) of the mask's largest contour, or None.

    None when the contour covers less than MIN_AREA_FRACTION of the mask, or its box spans
    more than MAX_SPAN_FRACTION of both sides, which means the mask found no single object.
    """
    contours, _ = cv2.findContours(_clean(mask), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    height, width = mask.shape
    if cv2.contourArea(contour) < MIN_AREA_FRACTION * height * width:
        return None
    x, y, w, h = cv2.boundingRect(contour)
    if w > MAX_SPAN_FRACTION * width and h > MAX_SPAN_FRACTION * height:
        return None
    return x, y, w, h


def square_around(region: tuple[int, int, int, int], height: int, width: int, padding: float = DEFAULT_PADDING) -> Box:
    """Return the square around `region` (x, y, w, h), padded on each side and moved inside the frame.

    The side is the region's longer side plus `padding` of it on each side, at most the
    frame's shorter side. The square keeps the region's centre unless that would cross an edge.
    """
    if padding < 0:
        raise ValueError(f"padding must be at least 0, got {padding}")
    x, y, w, h = region
    side = int(round(max(w, h) * (1 + 2 * padding)))
    side = max(1, min(side, height, width))
    left = int(round(x + w / 2 - side / 2))
    top = int(round(y + h / 2 - side / 2))
    left = min(max(left, 0), width - side)
    top = min(max(top, 0), height - side)
    return Box(left, top, side)


def find_hand(image: np.ndarray, padding: float = DEFAULT_PADDING) -> Box | None:
    """Return a padded square around the hand in a BGR or gray image, or None when none is found."""
    if image.ndim not in (2, 3) or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"expected an image of shape (height, width[, channels]), got {image.shape}")
    height, width = image.shape[:2]
    scale = min(1.0, WORK_SIDE / max(height, width))
    small = image
    if scale < 1.0:
        small = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0) if min(small.shape[:2]) >= 5 else small

    region = None
    if not is_gray(small):
        region = largest_region(skin_mask(small[:, :, :3]))
    if region is None:
        region = largest_region(foreground_mask(small))
    if region is None:
        return None

    x, y, w, h = (value / scale for value in region)
    return square_around((int(round(x)), int(round(y)), int(round(w)), int(round(h))), height, width, padding)


def crop_box(image: np.ndarray, fraction: float, hand_crop: bool) -> tuple[Box, bool]:
    """Return the square to crop and whether it is around a found hand.

    With `hand_crop`, the square is around the hand when one is found. Otherwise it is the
    centered square whose side is `fraction` of the shorter side.
    """
    center = center_square(image.shape[0], image.shape[1], fraction)
    if hand_crop:
        box = find_hand(image)
        if box is not None:
            return box, True
    return center, False
