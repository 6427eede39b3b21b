"""One background training job per server, which page reruns and closed tabs do not stop."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import logging
import threading
import time
from pathlib import Path

from signlang import config, data, storage, training
from signlang.errors import SignlangError, TrainingBusyError

logger = logging.getLogger(__name__)

IDLE, RUNNING, COMPLETE, STOPPED, FAILED = "idle", "running", "complete", "stopped", "failed"
# A temporary model file untouched for this long is a leftover of a killed save. Younger ones
# may belong to a CLI run that is saving into the same folder right now, so they are kept.
STALE_TEMP_FILE_S = 300.0
LOADING, TRAINING, EVALUATING = "loading", "training", "evaluating"


@dataclasses.dataclass(frozen=True)
class JobSnapshot:
    """A consistent copy of the job's state for a page to draw."""

    state: str = IDLE
    phase: str | None = None
    settings: training.TrainSettings | None = None
    progress: training.Progress = dataclasses.field(default_factory=training.Progress)
    elapsed_s: float = 0.0
    model_path: Path | None = None
    metadata: dict | None = None
    error: SignlangError | None = None
    error_text: str | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING


class TrainingManager:
    """Run at most one training job at a time in a daemon thread and expose its progress."""

    def __init__(self, models_folder: Path | None = None) -> None:
        self.models_folder = Path(models_folder) if models_folder else config.models_dir()
        self._lock = threading.Lock()
        self._snapshot = JobSnapshot()
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        storage.remove_temporary_files(self.models_folder, min_age_s=STALE_TEMP_FILE_S)

    def snapshot(self) -> JobSnapshot:
        """Return the current state; elapsed time is recomputed while the job runs."""
        with self._lock:
            snapshot = self._snapshot
            if snapshot.running:
                snapshot = dataclasses.replace(snapshot, elapsed_s=time.monotonic() - self._started)
            return snapshot

    def start(self, settings: training.TrainSettings, data_dir: Path, name: str | None = None) -> JobSnapshot:
        """Start a job, or raise TrainingBusyError with the running job's progress."""
        settings.validate()
        with self._lock:
            if self._snapshot.running:
                progress = self._snapshot.progress
                raise TrainingBusyError(
                    "training_busy", architecture=self._snapshot.settings.architecture,
                    epoch=max(progress.epoch, 1), epochs=progress.epochs or settings.epochs,
                )
            storage.check_folder_writable(self.models_folder)
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            model_path = self.models_folder / f"{name or f'{settings.architecture}-{stamp}'}{config.MODEL_SUFFIX}"
            self._stop_event = threading.Event()
            self._started = time.monotonic()
            self._snapshot = JobSnapshot(
                state=RUNNING, phase=LOADING, settings=copy.deepcopy(settings),
                progress=training.Progress(epochs=settings.epochs), model_path=model_path,
            )
            self._thread = threading.Thread(
                target=self._run, args=(copy.deepcopy(settings), Path(data_dir), model_path, self._stop_event),
                name="signlang-training", daemon=True,
            )
            self._thread.start()
            logger.info("training job started: %s -> %s", settings.architecture, model_path)
            return self._snapshot

    def stop(self) -> bool:
        """Ask the running job to stop after its current batch; return whether one was running."""
        with self._lock:
            if not self._snapshot.running:
                return False
            self._stop_event.set()
            logger.info("stop requested for training job %s", self._snapshot.model_path)
            return True

    def wait(self, timeout: float | None = None) -> JobSnapshot:
        """Block until the job ends or `timeout` seconds pass, then return the state."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.snapshot()

    def _update(self, **changes) -> None:
        with self._lock:
            self._snapshot = dataclasses.replace(self._snapshot, **changes)

    def _report(self, progress: training.Progress) -> None:
        self._update(phase=TRAINING, progress=copy.deepcopy(progress))

    def _run(self, settings: training.TrainSettings, data_dir: Path, model_path: Path, stop_event: threading.Event) -> None:
        try:
            train_data = data.load_split(data_dir, "train")
            test_data = data.load_split(data_dir, "test")
            self._update(phase=TRAINING)
            result = training.train(settings, train_data, test_data, model_path, report=self._report,
                                    stop_event=stop_event, on_evaluate=lambda: self._update(phase=EVALUATING))
        except SignlangError as error:
            logger.warning("training job %s failed: %s", model_path, error)
            self._finish(FAILED, error=error, error_text=str(error))
        except Exception as error:  # noqa: BLE001 - the thread must always report its end
            logger.exception("training job %s failed", model_path)
            self._finish(FAILED, error_text=f"{type(error).__name__}: {error}")
        else:
            state = STOPPED if result.metadata["status"] == "stopped" else COMPLETE
            self._finish(state, metadata=result.metadata)
            logger.info("training job %s ended: %s", model_path, state)

    def _finish(self, state: str, **changes) -> None:
        with self._lock:
            self._snapshot = dataclasses.replace(
                self._snapshot, state=state, phase=None, elapsed_s=time.monotonic() - self._started, **changes,
            )
