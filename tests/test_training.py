"""Tests of training: a short run writes a loadable model, jobs stop, refuse a second run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from signlang import config, data, jobs, storage, training
from signlang.errors import SettingsError, TrainingBusyError


def test_train_one_epoch_writes_model_and_json(tmp_path, generated_data_dir):
    path = tmp_path / "one.keras"
    settings = training.TrainSettings(architecture="cnn", epochs=1, batch_size=32)
    reports = []
    result = training.train(settings, data.load_split(generated_data_dir, "train"),
                            data.load_split(generated_data_dir, "test"), path, report=lambda p: reports.append(p.batch))

    assert path.is_file()
    metadata = json.loads(storage.metadata_path(path).read_text())
    for key in ("architecture", "settings", "history", "test", "train_seconds", "params", "data_sha256", "created", "versions"):
        assert key in metadata
    assert metadata["status"] == "complete"
    assert set(metadata["history"]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(metadata["history"]["loss"]) == 1
    assert metadata["test"]["n"] == 96
    assert metadata["train_rows"] + metadata["val_rows"] == 480
    assert metadata["params"] == result.model.count_params()
    assert max(reports) == int(np.ceil(metadata["train_rows"] / 32))

    model, loaded_metadata = storage.load_model(path)
    assert loaded_metadata["file_sha256"] == storage.file_sha256(path)
    x = np.zeros((2, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(np.asarray(model(x)), np.asarray(result.model(x, training=False)), atol=1e-5)
    assert not list(tmp_path.glob(".tmp-*"))


def test_trained_model_learns_generated_letters(trained_model_path):
    metadata = storage.read_metadata(trained_model_path)
    assert metadata["test"]["accuracy"] > 0.5


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"epochs": 0}, "Epochs 0"),
        ({"epochs": -3}, "Epochs -3"),
        ({"learning_rate": 0.0}, "Learning rate 0.0"),
        ({"learning_rate": -0.01}, "Learning rate -0.01"),
        ({"batch_size": 0}, "Batch size 0"),
        ({"val_fraction": 0.0}, "Validation fraction 0.0"),
        ({"val_fraction": 0.6}, "Validation fraction 0.6"),
        ({"architecture": "vgg"}, "Architecture 'vgg'"),
    ],
)
def test_train_settings_reject(changes, message):
    settings = training.TrainSettings(**changes)
    with pytest.raises(SettingsError, match=message):
        settings.validate()


def test_train_settings_reject_batch_larger_than_data():
    with pytest.raises(SettingsError, match="larger than the 432 training rows"):
        training.TrainSettings(batch_size=1000).validate(480)


def test_train_stop_event_saves_stopped_model(tmp_path, generated_data_dir):
    stop_event = threading.Event()
    seen = []

    def report(progress):
        seen.append((progress.epoch, progress.batch))
        if progress.epoch == 1 and progress.batch == 2:
            stop_event.set()

    path = tmp_path / "stopped.keras"
    settings = training.TrainSettings(architecture="cnn", epochs=5, batch_size=32)
    result = training.train(settings, data.load_split(generated_data_dir, "train"), None, path,
                            report=report, stop_event=stop_event)
    assert result.metadata["status"] == "stopped"
    assert result.metadata["epochs_completed"] == 0
    assert max(epoch for epoch, _ in seen) == 1
    assert max(batch for _, batch in seen) <= 3
    assert storage.read_metadata(path)["status"] == "stopped"


def test_manager_refuses_second_job(tmp_path, generated_data_dir):
    manager = jobs.TrainingManager(tmp_path)
    settings = training.TrainSettings(architecture="cnn", epochs=30, batch_size=16)
    manager.start(settings, generated_data_dir, name="first")
    try:
        with pytest.raises(TrainingBusyError, match="A training run is in progress \\(cnn, epoch"):
            manager.start(settings, generated_data_dir, name="second")
    finally:
        assert manager.stop()
    snapshot = manager.wait(120)
    assert snapshot.state == jobs.STOPPED
    assert (tmp_path / "first.keras").is_file()
    assert not (tmp_path / "second.keras").exists()
    assert [info.name for info in storage.list_models([tmp_path])] == ["first"]


def test_manager_reports_data_error(tmp_path):
    manager = jobs.TrainingManager(tmp_path / "models")
    manager.start(training.TrainSettings(epochs=1), tmp_path / "no-data")
    snapshot = manager.wait(60)
    assert snapshot.state == jobs.FAILED
    assert snapshot.error is not None
    assert "does not exist" in str(snapshot.error)


@pytest.mark.slow
def test_train_under_mirrored_strategy_two_cpus(tmp_path, generated_data_dir):
    script = textwrap.dedent(f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from signlang import data, training
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        assert strategy.num_replicas_in_sync == 2
        settings = training.TrainSettings(architecture="cnn", epochs=1, batch_size=16)
        result = training.train(settings, data.load_split(r"{generated_data_dir}", "train"), None,
                                None, strategy=strategy)
        print("REPLICAS", strategy.num_replicas_in_sync, "EPOCHS", len(result.metadata["history"]["loss"]))
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                               cwd=config.PROJECT_ROOT)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "REPLICAS 2 EPOCHS 1" in completed.stdout
