"""Tests of model saving and loading: atomic writes and every kind of rejected model file."""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import zipfile

import h5py
import keras
import pytest

from signlang import models, storage
from signlang.errors import ModelFileError


def copy_model(source, folder, name="copy"):
    target = folder / f"{name}.keras"
    shutil.copyfile(source, target)
    shutil.copyfile(storage.metadata_path(source), storage.metadata_path(target))
    return target


def test_load_model_round_trip(trained_model_path):
    model, metadata = storage.load_model(trained_model_path)
    assert model.input_shape == (None, 28, 28, 1)
    assert metadata["architecture"] == "cnn"


def test_load_model_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        storage.load_model(tmp_path / "absent.keras")


def test_load_model_truncated_file(tmp_path, trained_model_path):
    path = copy_model(trained_model_path, tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError) as info:
        storage.load_model(path, check_hash=False)
    assert str(path) in str(info.value)


def test_load_model_checksum_mismatch(tmp_path, trained_model_path):
    path = copy_model(trained_model_path, tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ModelFileError, match="does not match the checksum"):
        storage.load_model(path)


def test_load_model_not_keras_file(tmp_path):
    path = tmp_path / "text.keras"
    path.write_text("hello")
    storage.metadata_path(path).write_text(json.dumps({"architecture": "cnn"}))
    with pytest.raises(ModelFileError, match="is not a Keras model file"):
        storage.load_model(path)


@pytest.mark.parametrize("content", [None, "{not json", "[]", "{}"], ids=["missing", "corrupt", "list", "no-architecture"])
def test_load_model_bad_metadata(tmp_path, trained_model_path, content):
    path = copy_model(trained_model_path, tmp_path)
    json_path = storage.metadata_path(path)
    if content is None:
        json_path.unlink()
    else:
        json_path.write_text(content)
    with pytest.raises(ModelFileError) as info:
        storage.load_model(path)
    assert str(json_path) in str(info.value)


@pytest.mark.parametrize(("input_shape", "num_classes", "message"), [
    ((32, 32, 1), 24, "takes input of shape"),
    ((28, 28, 3), 24, "takes input of shape"),
    ((28, 28, 1), 26, "outputs shape"),
])
def test_load_model_wrong_shapes(tmp_path, input_shape, num_classes, message):
    model = models.build_cnn(input_shape, num_classes)
    path = storage.save_model(model, {"architecture": "cnn"}, tmp_path / "other.keras")
    with pytest.raises(ModelFileError, match=message):
        storage.load_model(path)


def test_load_model_rejects_unsafe_lambda(tmp_path):
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Lambda(lambda t: t * 2.0)(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(24, activation="softmax")(x)
    path = tmp_path / "lambda.keras"
    keras.Model(inputs, outputs).save(path)
    storage.metadata_path(path).write_text(json.dumps({"architecture": "cnn"}))
    with pytest.raises(ModelFileError, match="unsafe deserialization"):
        storage.load_model(path)


def test_save_model_failure_keeps_previous_file(tmp_path, trained_model_path, monkeypatch):
    path = copy_model(trained_model_path, tmp_path, "kept")
    before = path.read_bytes()
    model, _ = storage.load_model(path)

    def crash(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(keras.Model, "save", crash)
    with pytest.raises(ModelFileError, match="disk full") as info:
        storage.save_model(model, {"architecture": "cnn"}, path)
    assert f"Saving model {path} failed" in str(info.value)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".tmp-*"))
    storage.load_model(path)


def test_list_models_skips_incomplete(tmp_path, trained_model_path):
    copy_model(trained_model_path, tmp_path, "complete")
    orphan = copy_model(trained_model_path, tmp_path, "orphan")
    storage.metadata_path(orphan).unlink()
    (tmp_path / ".tmp-abc123.keras").write_bytes(b"partial")
    names = [info.name for info in storage.list_models([tmp_path])]
    assert names == ["complete"]
    assert storage.remove_temporary_files(tmp_path) == 1
    assert not (tmp_path / ".tmp-abc123.keras").exists()


def test_list_models_puts_bundled_first(tmp_path, trained_model_path):
    for name in ("aaa", "resnet50", "cnn"):
        copy_model(trained_model_path, tmp_path, name)
    assert [info.name for info in storage.list_models([tmp_path])] == ["cnn", "resnet50", "aaa"]


def test_saved_model_has_no_optimizer_state(tmp_path, trained_model_path):
    model, metadata = storage.load_model(trained_model_path)
    assert getattr(model, "optimizer", None) is None
    with zipfile.ZipFile(trained_model_path) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r")
        assert "optimizer" not in weights
        assert "layers" in weights
    assert metadata["file_bytes"] == trained_model_path.stat().st_size


def damaged_archives(source):
    """Copies of a valid .keras archive, each damaged in one way, keyed by case."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = next(name for name in members if name.endswith(".h5"))
    config_json = json.loads(members["config.json"])
    config_json["config"]["layers"] = config_json["config"]["layers"][:3]
    return {
        "empty-zip": {},
        "config-not-json": dict(members, **{"config.json": b"{nope"}),
        "config-list": dict(members, **{"config.json": b"[]"}),
        "config-layers-cut": dict(members, **{"config.json": json.dumps(config_json).encode()}),
        "weights-missing": {name: data for name, data in members.items() if name != weights},
        "weights-truncated": dict(members, **{weights: members[weights][: len(members[weights]) // 2]}),
        "weights-garbage": dict(members, **{weights: b"x" * 100}),
    }


DAMAGED_CASES = ["empty-zip", "config-not-json", "config-list", "config-layers-cut",
                 "weights-missing", "weights-truncated", "weights-garbage"]


@pytest.mark.parametrize("case", DAMAGED_CASES)
def test_load_model_damaged_archive(tmp_path, trained_model_path, case):
    path = tmp_path / f"{case}.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, payload in damaged_archives(trained_model_path)[case].items():
            archive.writestr(name, payload)
    storage.metadata_path(path).write_text(json.dumps({"architecture": "cnn"}))
    with pytest.raises(ModelFileError, match="could not be loaded") as info:
        storage.load_model(path)
    assert str(path) in str(info.value)


def test_save_model_unwritable_folder(tmp_path, trained_model_path):
    model, _ = storage.load_model(trained_model_path)
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("a file where the models folder should be")
    with pytest.raises(ModelFileError, match="failed") as info:
        storage.save_model(model, {"architecture": "cnn"}, not_a_folder / "cnn.keras")
    assert str(not_a_folder / "cnn.keras") in str(info.value)


def test_check_folder_writable_creates_folder(tmp_path):
    folder = tmp_path / "new" / "models"
    storage.check_folder_writable(folder)
    assert folder.is_dir()
    assert list(folder.iterdir()) == []


def test_check_folder_writable_rejects_file(tmp_path):
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("x")
    with pytest.raises(ModelFileError, match="cannot be written") as info:
        storage.check_folder_writable(not_a_folder)
    assert str(not_a_folder) in str(info.value)


def test_remove_temporary_files_spares_recent(tmp_path):
    old = tmp_path / ".tmp-old.keras"
    recent = tmp_path / ".tmp-recent.keras"
    old.write_bytes(b"partial")
    recent.write_bytes(b"being written")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    assert storage.remove_temporary_files(tmp_path, min_age_s=300) == 1
    assert not old.exists()
    assert recent.exists()
