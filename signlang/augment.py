"""Random affine augmentation that keeps the hand's orientation (no flips)."""

from __future__ import annotations

import math

import tensorflow as tf


def random_affine(
    images: tf.Tensor,
    max_rotation_deg: float = 10.0,
    max_shift: float = 0.1,
    max_zoom: float = 0.1,
    seed: int | None = None,
) -> tf.Tensor:
    """Rotate, shift and zoom a batch of `(n, h, w, c)` images by one random transform each.

    Rotation is uniform in +-`max_rotation_deg`, shift in +-`max_shift` of the side, zoom in
    1 +- `max_zoom`. The three are combined into one transform, so each image is resampled once.
    Flips are left out because a mirrored hand shape can be a different letter.
    """
    shape = tf.shape(images)
    batch = shape[0]
    height = tf.cast(shape[1], tf.float32)
    width = tf.cast(shape[2], tf.float32)

    angle = tf.random.uniform([batch], -1.0, 1.0, seed=seed) * (max_rotation_deg * math.pi / 180.0)
    zoom = 1.0 + tf.random.uniform([batch], -max_zoom, max_zoom, seed=seed)
    shift_x = tf.random.uniform([batch], -max_shift, max_shift, seed=seed) * width
    shift_y = tf.random.uniform([batch], -max_shift, max_shift, seed=seed) * height

    # The transform maps output to input coordinates: scale by 1/zoom, rotate, then shift,
    # all about the image centre.
    cos = tf.cos(angle) / zoom
    sin = tf.sin(angle) / zoom
    cx = (width - 1.0) / 2.0
    cy = (height - 1.0) / 2.0
    a0, a1 = cos, -sin
    b0, b1 = sin, cos
    a2 = cx - a0 * cx - a1 * cy - shift_x
    b2 = cy - b0 * cx - b1 * cy - shift_y
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)

    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images,
        transforms=transforms,
        output_shape=shape[1:3],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="NEAREST",
    )
