"""Tests of faults: a process killed mid-training or mid-save, leftovers, broken model files."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from signlang import config, jobs, storage, training
from signlang.errors import ModelFileError

from conftest import PAGE_TIMEOUT, open_page

# Seconds to wait for a child process to reach training or saving, including TensorFlow's import.
START_TIMEOUT = 240


def copy_model(source: Path, folder: Path, name: str) -> Path:
    target = folder / f"{name}.keras"
    shutil.copyfile(source, target)
    shutil.copyfile(storage.metadata_path(source), storage.metadata_path(target))
    return target


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file in `folder`, hidden ones included, with its bytes."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def start_child(args: list[str], env_extra: dict[str, str]) -> tuple[subprocess.Popen, queue.Queue]:
    """Start a child process whose stdout lines arrive in a queue, so a test can wait with a timeout."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", **env_extra)
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=config.PROJECT_ROOT, env=env)
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return child, lines


def wait_for_line(child: subprocess.Popen, lines: queue.Queue, prefix: str) -> str:
    """Return the first stdout line that starts with `prefix`, or fail when the child exits or times out."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            child.wait()
            pytest.fail(f"child exited with {child.returncode} before printing {prefix!r}: {child.stderr.read()[-3000:]}")
        if line.startswith(prefix):
            return line
    child.kill()
    child.wait()
    pytest.fail(f"child printed no line starting with {prefix!r} within {START_TIMEOUT} s")


def kill_child(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    child.stderr.close()


@pytest.fixture()
def existing_model(tmp_path, trained_model_path) -> Path:
    """A models folder that contains a complete model named cnn."""
    folder = tmp_path / "models"
    folder.mkdir()
    return copy_model(trained_model_path, folder, "cnn")


def test_cli_killed_during_training_keeps_model(existing_model, generated_data_dir):
    folder = existing_model.parent
    before = folder_bytes(folder)
    child, lines = start_child(
        [sys.executable, "-m", "signlang", "train", "--epochs", "50", "--out", str(existing_model)],
        {config.MODELS_DIR_ENV: str(folder), config.DATA_DIR_ENV: str(generated_data_dir)},
    )
    wait_for_line(child, lines, "epoch 1/50:")
    kill_child(child)

    assert child.returncode == -signal.SIGKILL
    assert folder_bytes(folder) == before
    assert [info.name for info in storage.list_models([folder])] == ["cnn"]
    storage.load_model(existing_model)


TRAINING_MANAGER_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from signlang import jobs, training

    manager = jobs.TrainingManager(Path(sys.argv[1]))
    manager.start(training.TrainSettings(epochs=50, batch_size=32), Path(sys.argv[2]), name="cnn")
    while manager.snapshot().progress.epoch < 2:
        time.sleep(0.05)
    print("TRAINING", flush=True)
    time.sleep(600)
""")


def test_server_job_killed_during_training_keeps_model(existing_model, generated_data_dir):
    """The app server trains in a TrainingManager thread, which here runs in a child process."""
    folder = existing_model.parent
    before = folder_bytes(folder)
    child, lines = start_child([sys.executable, "-c", TRAINING_MANAGER_SCRIPT, str(folder), str(generated_data_dir)], {})
    wait_for_line(child, lines, "TRAINING")
    kill_child(child)

    assert folder_bytes(folder) == before
    assert [info.name for info in storage.list_models([folder])] == ["cnn"]


HANG_ON_RENAME_SCRIPT = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from signlang import data, storage, training

    def hang(source, target):
        print("SAVING", flush=True)
        time.sleep(600)

    storage.os.replace = hang
    data_dir = Path(sys.argv[2])
    settings = training.TrainSettings(epochs=1, batch_size=32, augment=False)
    training.train(settings, data.load_split(data_dir, "train"), None, Path(sys.argv[1]))
""")


def test_killed_during_save_keeps_model(existing_model, generated_data_dir):
    folder = existing_model.parent
    before = folder_bytes(folder)
    child, lines = start_child([sys.executable, "-c", HANG_ON_RENAME_SCRIPT, str(existing_model), str(generated_data_dir)], {})
    wait_for_line(child, lines, "SAVING")
    kill_child(child)

    leftovers = sorted(name for name in os.listdir(folder) if name.startswith(storage.TEMP_PREFIX))
    assert len(leftovers) == 1
    assert leftovers[0].endswith(config.MODEL_SUFFIX)
    assert {name: payload for name, payload in folder_bytes(folder).items() if name not in leftovers} == before
    assert [info.name for info in storage.list_models([folder])] == ["cnn"]


def age_file(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_manager_start_removes_stale_temp_files(existing_model):
    folder = existing_model.parent
    before = folder_bytes(folder)
    stale = [folder / ".tmp-a1b2c3.keras", folder / ".tmp-d4e5f6.json", folder / ".tmp-g7h8"]
    for path in stale:
        path.write_bytes(b"partial")
        age_file(path, jobs.STALE_TEMP_FILE_S + 60)

    jobs.TrainingManager(folder)
    assert folder_bytes(folder) == before
    assert [info.name for info in storage.list_models([folder])] == ["cnn"]


def test_manager_start_keeps_temp_file_being_written(existing_model):
    folder = existing_model.parent
    recent = folder / ".tmp-i9j0k1.keras"
    recent.write_bytes(b"a save in progress in another process")
    jobs.TrainingManager(folder)
    assert recent.exists()


def test_manager_start_rejects_unwritable_models_folder(tmp_path, generated_data_dir):
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("a file where the models folder should be")
    manager = jobs.TrainingManager(not_a_folder)
    with pytest.raises(ModelFileError, match="cannot be written") as info:
        manager.start(training.TrainSettings(epochs=1), generated_data_dir)
    assert str(not_a_folder) in str(info.value)
    assert manager.snapshot().state == jobs.IDLE


@pytest.fixture()
def app_env(tmp_path, monkeypatch, trained_model_path, generated_data_dir) -> Path:
    """A models folder with models cnn and resnet50 (copies of the small CNN), the generated
    data, no bundled models, and Streamlit caches cleared before and after the test."""
    folder = tmp_path / "app-models"
    folder.mkdir()
    for name in ("cnn", "resnet50"):
        copy_model(trained_model_path, folder, name)
    monkeypatch.setenv(config.MODELS_DIR_ENV, str(folder))
    monkeypatch.setenv(config.DATA_DIR_ENV, str(generated_data_dir))
    monkeypatch.setattr(config, "BUNDLED_MODELS_DIR", tmp_path / "no-bundled")
    yield folder


@pytest.mark.parametrize("damage", ["not-a-model", "truncated", "checksum"])
def test_compare_page_broken_model_shows_error(app_env, trained_model_path, damage):
    broken = copy_model(trained_model_path, app_env, "broken")
    if damage == "not-a-model":
        broken.write_text("not a model")
        storage.metadata_path(broken).write_text('{"architecture": "cnn"}')
    elif damage == "truncated":
        raw = broken.read_bytes()
        broken.write_bytes(raw[: len(raw) // 2])
        storage.metadata_path(broken).write_text('{"architecture": "cnn"}')
    else:
        broken.write_bytes(broken.read_bytes() + b"\0")

    app = open_page("pages/compare.py")
    assert "broken" in app.selectbox(key="compare_first").options
    app.selectbox(key="compare_second").set_value("broken").run()
    assert not app.exception, [error.value for error in app.exception]
    errors = [error.value for error in app.error]
    assert len(errors) == 1
    assert str(broken) in errors[0]
    app.selectbox(key="compare_second").set_value("resnet50").run()
    assert not app.exception
    assert not app.error
    assert list(app.dataframe[0].value.columns) == ["cnn", "resnet50"]


def test_compare_page_lists_model_after_training(app_env, generated_data_dir):
    from signlang import ui

    app = open_page("pages/compare.py")
    assert app.selectbox(key="compare_first").options == ["cnn", "resnet50"]

    trainer = ui.load_trainer()
    trainer.start(training.TrainSettings(epochs=1, batch_size=32, augment=False), generated_data_dir, name="fresh")
    snapshot = trainer.wait(PAGE_TIMEOUT)
    assert snapshot.state == jobs.COMPLETE

    app.run()
    assert not app.exception
    assert app.selectbox(key="compare_first").options == ["cnn", "resnet50", "fresh"]
    assert app.selectbox(key="compare_second").options == ["cnn", "resnet50", "fresh"]
    app.selectbox(key="compare_second").set_value("fresh").run()
    assert not app.error
    assert list(app.dataframe[0].value.columns) == ["cnn", "fresh"]


def test_compare_page_model_deleted_after_listing(app_env, monkeypatch):
    listed = storage.list_models()
    gone = storage.ModelInfo("gone", app_env / "gone.keras", dict(listed[0].metadata))
    monkeypatch.setattr(storage, "list_models", lambda folders=None: [*listed, gone])

    app = open_page("pages/compare.py")
    app.selectbox(key="compare_second").set_value("gone").run()
    assert not app.exception, [error.value for error in app.exception]
    assert [error.value for error in app.error] == [f"Model file {app_env / 'gone.keras'} not found. Pick a listed model or train one."]
