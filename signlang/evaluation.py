"""Test-set scores: accuracy, loss, confusion matrix, per-letter accuracy and mistakes."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from signlang import config
from signlang.data import ImageSet


@dataclasses.dataclass(frozen=True)
class Scores:
    """Scores of one model on one image set."""

    accuracy: float
    loss: float
    n: int
    probabilities: np.ndarray
    true_classes: np.ndarray

    @property
    def predicted_classes(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def confusion_matrix(self) -> np.ndarray:
        """Return counts of shape `(24, 24)`: rows are true letters, columns predicted ones."""
        matrix = np.zeros((config.NUM_CLASSES, config.NUM_CLASSES), dtype=np.int64)
        np.add.at(matrix, (self.true_classes, self.predicted_classes), 1)
        return matrix

    def per_letter_accuracy(self) -> dict[str, float]:
        """Return each letter's accuracy; letters absent from the set are left out."""
        matrix = self.confusion_matrix()
        totals = matrix.sum(axis=1)
        return {
            letter: float(matrix[i, i] / totals[i])
            for i, letter in enumerate(config.LETTERS) if totals[i]
        }

    def mistakes(self) -> np.ndarray:
        """Return the row indices that were predicted wrongly."""
        return np.flatnonzero(self.predicted_classes != self.true_classes)


def predict_probabilities(model: keras.Model, images: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Return softmax outputs for `(n, 28, 28)` raw images, in batches, without training mode."""
    outputs = []
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size, ..., np.newaxis].astype(np.float32)
        outputs.append(np.asarray(model(batch, training=False)))
    if not outputs:
        return np.zeros((0, config.NUM_CLASSES), dtype=np.float32)
    return np.concatenate(outputs)


def evaluate(model: keras.Model, data: ImageSet) -> Scores:
    """Score `model` on every row of `data`."""
    probabilities = predict_probabilities(model, data.images)
    true_classes = data.classes
    picked = probabilities[np.arange(len(true_classes)), true_classes]
    loss = float(-np.mean(np.log(np.clip(picked, 1e-7, 1.0)))) if len(picked) else float("nan")
    accuracy = float(np.mean(probabilities.argmax(axis=1) == true_classes)) if len(picked) else float("nan")
    return Scores(accuracy, loss, len(true_classes), probabilities, true_classes)
