"""Train a model on the Sign Language MNIST rows, with progress reports and a stop switch."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import platform
import threading
import time
from pathlib import Path
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from signlang import config, evaluation, models, storage
from signlang.augment import random_affine
from signlang.data import ImageSet, train_val_split
from signlang.errors import SettingsError

logger = logging.getLogger(__name__)

# Defaults that reach the accuracy targets in the README on a 2-core CPU.
DEFAULT_EPOCHS = {"cnn": 10, "resnet50": 20}
DEFAULT_BATCH_SIZE = 128
DEFAULT_LEARNING_RATE = {"cnn": 2e-3, "resnet50": 2e-3}
MAX_EPOCHS = 500


@dataclasses.dataclass
class TrainSettings:
    """Hyperparameters of one training run."""

    architecture: str = "cnn"
    epochs: int | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    learning_rate: float | None = None
    augment: bool = True
    val_fraction: float = config.DEFAULT_VAL_FRACTION
    seed: int = config.DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.epochs is None:
            self.epochs = DEFAULT_EPOCHS.get(self.architecture, 10)
        if self.learning_rate is None:
            self.learning_rate = DEFAULT_LEARNING_RATE.get(self.architecture, 1e-3)

    def validate(self, num_rows: int | None = None) -> None:
        """Raise SettingsError for a value outside its valid range."""
        if self.architecture not in config.ARCHITECTURES:
            raise SettingsError("architecture_unknown", value=self.architecture, choices=", ".join(config.ARCHITECTURES))
        if not isinstance(self.epochs, int) or not 1 <= self.epochs <= MAX_EPOCHS:
            raise SettingsError("epochs_range", value=self.epochs, maximum=MAX_EPOCHS)
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise SettingsError("batch_size_range", value=self.batch_size)
        if not (isinstance(self.learning_rate, (int, float)) and 0 < self.learning_rate <= 1):
            raise SettingsError("learning_rate_range", value=self.learning_rate)
        if not 0 < self.val_fraction <= 0.5:
            raise SettingsError("val_fraction_range", value=self.val_fraction)
        if num_rows is not None:
            train_rows = num_rows - int(round(num_rows * self.val_fraction))
            if self.batch_size > train_rows:
                raise SettingsError("batch_size_too_large", value=self.batch_size, rows=train_rows)


@dataclasses.dataclass
class Progress:
    """Progress of a running job, updated after each batch and epoch."""

    epoch: int = 0
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    history: dict[str, list[float]] = dataclasses.field(default_factory=dict)


class _ProgressCallback(keras.callbacks.Callback):
    """Report progress to `report` and stop after the current batch once `stop_event` is set."""

    def __init__(self, progress: Progress, report: Callable[[Progress], None], stop_event: threading.Event):
        super().__init__()
        self.progress = progress
        self.report = report
        self.stop_event = stop_event

    def on_epoch_begin(self, epoch, logs=None):
        self.progress.epoch = epoch + 1
        self.progress.batch = 0
        self.report(self.progress)

    def on_train_batch_end(self, batch, logs=None):
        self.progress.batch = batch + 1
        self.report(self.progress)
        # NOTE: Keras checks stop_training after every batch, so the run ends within one batch.
        if self.stop_event.is_set():
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stop_event.is_set() and self.progress.batch < self.progress.batches:
            return
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            if logs and key in logs:
                self.progress.history.setdefault(key, []).append(float(logs[key]))
        self.report(self.progress)


def distribution_strategy() -> tf.distribute.Strategy:
    """Return MirroredStrategy across all GPUs when more than one is visible, else the default."""
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def make_dataset(data: ImageSet, batch_size: int, shuffle: bool, augment: bool, seed: int) -> tf.data.Dataset:
    """Build a batched `tf.data` pipeline of float32 0-255 images and class indices."""
    images = data.images[..., np.newaxis]
    dataset = tf.data.Dataset.from_tensor_slices((images, data.classes.astype(np.int32)))
    if shuffle:
        dataset = dataset.shuffle(len(data), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    dataset = dataset.map(lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE)
    if augment:
        dataset = dataset.map(lambda x, y: (random_affine(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


@dataclasses.dataclass
class TrainResult:
    """The trained model, its metadata (also written as JSON) and where it was saved."""

    model: keras.Model
    metadata: dict
    path: Path | None


def train(
    settings: TrainSettings,
    train_data: ImageSet,
    test_data: ImageSet | None,
    out_path: Path | None,
    report: Callable[[Progress], None] | None = None,
    stop_event: threading.Event | None = None,
    strategy: tf.distribute.Strategy | None = None,
    on_evaluate: Callable[[], None] | None = None,
) -> TrainResult:
    """Train `settings.architecture` on a split of `train_data`, evaluate on `test_data`, save.

    The validation split is held out of `train_data`. The test set is used only once, after
    the last epoch. The learning rate follows a cosine decay over all planned epochs, with no
    early stopping, because validation accuracy here saturates near 100% long before test
    accuracy settles. A set `stop_event` ends the run after the current batch; the model is
    then saved as it is, with `"status": "stopped"` in its metadata.
    """
    settings.validate(len(train_data))
    stop_event = stop_event or threading.Event()
    report = report or (lambda progress: None)
    strategy = strategy or distribution_strategy()
    keras.utils.set_random_seed(settings.seed)

    fit_data, val_data = train_val_split(train_data, settings.val_fraction, settings.seed)
    global_batch = settings.batch_size * strategy.num_replicas_in_sync
    train_ds = make_dataset(fit_data, global_batch, shuffle=True, augment=settings.augment, seed=settings.seed)
    val_ds = make_dataset(val_data, 512, shuffle=False, augment=False, seed=settings.seed)
    steps = int(np.ceil(len(fit_data) / global_batch))

    with strategy.scope():
        model = models.build_model(settings.architecture)
        schedule = keras.optimizers.schedules.CosineDecay(settings.learning_rate, decay_steps=steps * settings.epochs)
        model.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        )

    progress = Progress(epochs=settings.epochs, batches=steps)
    callback = _ProgressCallback(progress, report, stop_event)
    logger.info(
        "training %s: %d training rows, %d validation rows, %d epochs, %d replicas",
        settings.architecture, len(fit_data), len(val_data), settings.epochs, strategy.num_replicas_in_sync,
    )
    started = time.perf_counter()
    model.fit(train_ds, epochs=settings.epochs, validation_data=val_ds, callbacks=[callback], verbose=0, shuffle=False)
    train_seconds = time.perf_counter() - started
    stopped = stop_event.is_set()

    metadata = {
        "architecture": settings.architecture,
        "status": "stopped" if stopped else "complete",
        "settings": dataclasses.asdict(settings),
        "epochs_completed": len(progress.history.get("loss", [])),
        "history": progress.history,
        "train_rows": len(fit_data),
        "val_rows": len(val_data),
        "train_seconds": round(train_seconds, 2),
        "params": int(model.count_params()),
        "weighted_layers": models.weighted_depth(model),
        "data_sha256": {"train": train_data.checksum()},
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
        "machine": machine_summary(),
    }
    if test_data is not None:
        if on_evaluate is not None:
            on_evaluate()
        scores = evaluation.evaluate(model, test_data)
        metadata["test"] = {"accuracy": scores.accuracy, "loss": scores.loss, "n": scores.n}
        metadata["data_sha256"]["test"] = test_data.checksum()
        logger.info("test accuracy %.4f, loss %.4f on %d rows", scores.accuracy, scores.loss, scores.n)

    if out_path is not None:
        storage.save_model(model, metadata, out_path)
    return TrainResult(model, metadata, out_path)


def machine_summary() -> dict:
    """Return CPU model, core count and GPUs, for metadata and benchmarks."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    gpus = [device.name for device in tf.config.list_physical_devices("GPU")]
    return {"cpu": cpu, "cores": os.cpu_count(), "gpus": gpus, "system": platform.system()}
