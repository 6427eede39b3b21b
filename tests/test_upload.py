"""Tests of uploaded data files: every invalid upload is rejected, nothing else is written."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

import pytest

from signlang import acquire, config, data
from signlang.errors import DataError

from conftest import make_split, open_page

HEADER = ",".join(config.CSV_HEADER)


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [header] + [",".join(str(value) for value in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def valid_row(label=0, value=10):
    return [label] + [value] * config.NUM_PIXELS


def with_cell(column, value):
    """Two valid rows, with `value` in `column` of the second (row 2, line 3)."""
    rows = [valid_row(), valid_row(1)]
    rows[1][column] = value
    return csv_bytes(rows)


def kaggle_like(first_row, count) -> bytes:
    """A file with Kaggle's row count and first values, like a swapped training or test file."""
    first = ",".join(str(value) for value in (*first_row, *[0] * (config.NUM_PIXELS - 3)))
    other = "1," + ",".join(["0"] * config.NUM_PIXELS)
    return (HEADER + "\n" + first + "\n" + (other + "\n") * (count - 1)).encode()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, hidden ones included, with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture()
def train_csv(generated_data_dir) -> bytes:
    return (generated_data_dir / config.TRAIN_CSV).read_bytes()


@pytest.fixture()
def test_csv(generated_data_dir) -> bytes:
    return (generated_data_dir / config.TEST_CSV).read_bytes()


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    """A data folder that already contains an earlier training CSV, which must survive."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / config.TRAIN_CSV).write_bytes(csv_bytes([valid_row(3)]))
    return folder


INVALID_CSV_UPLOADS = [
    ("empty", b"", "train", "is empty"),
    ("header-only", (HEADER + "\n").encode(), "train", "has a header but no data rows"),
    ("no-label", csv_bytes([valid_row()[1:]], header=",".join(config.CSV_HEADER[1:])), "train", "has no 'label' column"),
    ("784-columns", csv_bytes([valid_row()[:-1]], header=",".join(config.CSV_HEADER[:-1])), "train", "has 784 header columns"),
    ("786-columns", csv_bytes([valid_row() + [0]], header=HEADER + ",pixel785"), "train", "has 786 header columns"),
    ("short-row", csv_bytes([valid_row(), valid_row(1)[:-1]]), "train", "line 3: expected 785 comma-separated values"),
    ("long-row", csv_bytes([valid_row(), valid_row(1) + [7]]), "train", "line 3: expected 785 comma-separated values"),
    ("non-numeric", with_cell(5, "abc"), "train", "row 2 (line 3), column pixel5: value 'abc' is not an integer"),
    ("pixel-minus-1", with_cell(5, -1), "train", "row 2 (line 3), column pixel5: pixel value -1 is outside 0-255"),
    ("pixel-256", with_cell(5, 256), "train", "row 2 (line 3), column pixel5: pixel value 256 is outside 0-255"),
    ("label-9", with_cell(0, 9), "train", "row 2 (line 3), column label: label 9 is invalid"),
    ("label-25", with_cell(0, 25), "train", "row 2 (line 3), column label: label 25 is invalid"),
    ("label-30", with_cell(0, 30), "test", "row 2 (line 3), column label: label 30 is invalid"),
    ("label-minus-1", with_cell(0, -1), "test", "row 2 (line 3), column label: label -1 is invalid"),
    ("empty-cell", with_cell(5, ""), "train", "row 2 (line 3), column pixel5: the cell is empty"),
    ("semicolons", csv_bytes([valid_row()]).replace(b",", b";"), "train", "uses semicolons between values"),
    ("tabs", csv_bytes([valid_row()]).replace(b",", b"\t"), "train", "uses tabs between values"),
    ("binary", bytes(range(256)) * 10, "train", "is not a text CSV file"),
    ("train-as-test", kaggle_like((3, 107, 118, 127), config.KAGGLE_TRAIN_ROWS), "test",
     "is Kaggle's training file (27,455 rows) but was given as the test file"),
    ("test-as-train", kaggle_like((6, 149, 149, 150), config.KAGGLE_TEST_ROWS), "train",
     "is Kaggle's test file (7,172 rows) but was given as the training file"),
]


@pytest.mark.parametrize(("case", "raw", "split", "message"), INVALID_CSV_UPLOADS,
                         ids=[case[0] for case in INVALID_CSV_UPLOADS])
def test_save_upload_rejects_invalid_csv(data_dir, case, raw, split, message):
    before = folder_state(data_dir)
    upload_name = f"{case}.csv"
    with pytest.raises(DataError) as info:
        acquire.save_upload(raw, upload_name, split, data_dir)
    assert message in str(info.value)
    assert str(info.value).startswith(upload_name)
    assert folder_state(data_dir) == before


def test_save_upload_rejects_truncated_gzip(data_dir, train_csv):
    before = folder_state(data_dir)
    compressed = gzip.compress(train_csv)
    with pytest.raises(DataError, match="could not be read") as info:
        acquire.save_upload(compressed[: len(compressed) // 2], "train.csv.gz", "train", data_dir)
    assert "train.csv.gz" in str(info.value)
    assert folder_state(data_dir) == before


def test_save_upload_rejects_file_over_limit(data_dir):
    before = folder_state(data_dir)
    raw = bytes(acquire.MAX_UPLOAD_BYTES + 10 * 1024 * 1024)
    with pytest.raises(DataError) as info:
        acquire.save_upload(raw, "huge.csv", "train", data_dir)
    assert "huge.csv is 210 MB, over the 200 MB upload limit" in str(info.value)
    assert folder_state(data_dir) == before


def test_save_upload_rejects_gzip_over_uncompressed_limit(data_dir, train_csv, monkeypatch):
    monkeypatch.setattr(acquire, "MAX_UNCOMPRESSED_BYTES", len(train_csv) - 1)
    before = folder_state(data_dir)
    with pytest.raises(DataError, match="once uncompressed") as info:
        acquire.save_upload(gzip.compress(train_csv), "bomb.csv.gz", "train", data_dir)
    assert "bomb.csv.gz" in str(info.value)
    assert folder_state(data_dir) == before


def test_save_upload_rejects_unwritable_folder(tmp_path, train_csv):
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be")
    with pytest.raises(DataError, match="could not be written") as info:
        acquire.save_upload(train_csv, "train.csv", "train", not_a_folder)
    assert str(not_a_folder) in str(info.value)
    assert not_a_folder.read_text() == "a file where the data folder should be"


def test_save_upload_failed_rename_keeps_old_file(data_dir, train_csv, monkeypatch):
    before = folder_state(data_dir)

    def fail_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(acquire.os, "replace", fail_replace)
    with pytest.raises(DataError, match="No space left on device"):
        acquire.save_upload(train_csv, "train.csv", "train", data_dir)
    assert folder_state(data_dir) == before


def test_save_upload_valid_csv_uses_app_name(data_dir, train_csv):
    images = acquire.save_upload(train_csv, "my letters (1).csv", "train", data_dir)
    assert len(images) == 480
    assert sorted(folder_state(data_dir)) == [config.TRAIN_CSV]
    assert (data_dir / config.TRAIN_CSV).read_bytes() == train_csv


def test_save_upload_valid_gzip_saved_uncompressed(data_dir, test_csv):
    images = acquire.save_upload(gzip.compress(test_csv), "sign_mnist_test.csv.gz", "test", data_dir)
    assert len(images) == 96
    assert sorted(folder_state(data_dir)) == [config.TEST_CSV, config.TRAIN_CSV]
    assert (data_dir / config.TEST_CSV).read_bytes() == test_csv


@pytest.mark.parametrize("upload_name", ["../../evil.csv", "/etc/passwd.csv", "..\\..\\evil.csv", "sub/../../evil.csv"])
def test_save_upload_ignores_path_in_name(tmp_path, train_csv, upload_name):
    data_dir = tmp_path / "a" / "b" / "data"
    acquire.save_upload(train_csv, upload_name, "train", data_dir)
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert written == [f"a/b/data/{config.TRAIN_CSV}"]
    assert not Path("/etc/passwd.csv").exists()


def test_save_upload_rejects_unknown_split(data_dir, train_csv):
    with pytest.raises(ValueError, match="split must be"):
        acquire.save_upload(train_csv, "train.csv", "../evil", data_dir)


def test_save_archive_upload_saves_both(data_dir, train_csv, test_csv):
    raw = zip_bytes({
        config.TRAIN_CSV: train_csv,
        config.TEST_CSV: test_csv,
        f"sign_mnist_test/{config.TEST_CSV}": b"the longer path loses",
        "amer_sign2.png": b"not used",
    })
    loaded = acquire.save_archive_upload(raw, "archive.zip", data_dir)
    assert len(loaded["train"]) == 480
    assert len(loaded["test"]) == 96
    assert sorted(folder_state(data_dir)) == [config.TEST_CSV, config.TRAIN_CSV]
    assert (data_dir / config.TEST_CSV).read_bytes() == test_csv


def test_save_archive_upload_ignores_member_folders(tmp_path, train_csv, test_csv):
    data_dir = tmp_path / "a" / "data"
    raw = zip_bytes({f"../../{config.TRAIN_CSV}": train_csv, f"/tmp/x/{config.TEST_CSV}": test_csv})
    acquire.save_archive_upload(raw, "archive.zip", data_dir)
    written = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert written == [f"a/data/{config.TEST_CSV}", f"a/data/{config.TRAIN_CSV}"]


def test_save_archive_upload_rejects_archive_without_csvs(data_dir):
    before = folder_state(data_dir)
    raw = zip_bytes({"readme.txt": b"nothing here", "sign_mnist_train.xlsx": b"wrong type"})
    with pytest.raises(DataError, match="does not contain sign_mnist_train.csv and sign_mnist_test.csv") as info:
        acquire.save_archive_upload(raw, "archive.zip", data_dir)
    assert str(info.value).startswith("archive.zip")
    assert folder_state(data_dir) == before


def test_save_archive_upload_rejects_archive_with_one_csv(data_dir, train_csv):
    before = folder_state(data_dir)
    with pytest.raises(DataError, match="does not contain"):
        acquire.save_archive_upload(zip_bytes({config.TRAIN_CSV: train_csv}), "archive.zip", data_dir)
    assert folder_state(data_dir) == before


def test_save_archive_upload_rejects_non_zip(data_dir, train_csv):
    before = folder_state(data_dir)
    with pytest.raises(DataError, match="is not a readable zip archive"):
        acquire.save_archive_upload(train_csv, "archive.zip", data_dir)
    assert folder_state(data_dir) == before


def test_save_archive_upload_rejects_truncated_zip(data_dir, train_csv, test_csv):
    before = folder_state(data_dir)
    raw = zip_bytes({config.TRAIN_CSV: train_csv, config.TEST_CSV: test_csv})
    with pytest.raises(DataError, match="is not a readable zip archive"):
        acquire.save_archive_upload(raw[: len(raw) // 2], "archive.zip", data_dir)
    assert folder_state(data_dir) == before


def test_save_archive_upload_invalid_member_writes_nothing(data_dir, train_csv):
    before = folder_state(data_dir)
    raw = zip_bytes({config.TRAIN_CSV: train_csv, config.TEST_CSV: with_cell(0, 9)})
    with pytest.raises(DataError) as info:
        acquire.save_archive_upload(raw, "archive.zip", data_dir)
    assert "archive.zip:sign_mnist_test.csv, row 2 (line 3), column label: label 9 is invalid" in str(info.value)
    assert folder_state(data_dir) == before


def test_save_archive_upload_rejects_member_over_limit(data_dir, train_csv, test_csv, monkeypatch):
    monkeypatch.setattr(acquire, "MAX_UNCOMPRESSED_BYTES", len(test_csv) + 1)
    before = folder_state(data_dir)
    raw = zip_bytes({config.TRAIN_CSV: train_csv, config.TEST_CSV: test_csv})
    with pytest.raises(DataError, match="once uncompressed") as info:
        acquire.save_archive_upload(raw, "archive.zip", data_dir)
    assert f"archive.zip:{config.TRAIN_CSV}" in str(info.value)
    assert folder_state(data_dir) == before


@pytest.fixture()
def page_data_dir(tmp_path, monkeypatch, models_folder, clear_streamlit_caches) -> Path:
    """An empty data folder for the app, with Streamlit caches cleared before and after."""
    folder = tmp_path / "page-data"
    folder.mkdir()
    monkeypatch.setenv(config.DATA_DIR_ENV, str(folder))
    yield folder


def test_train_page_invalid_upload_shows_error(page_data_dir, train_csv):
    app = open_page("pages/train.py")
    app.file_uploader(key="upload_train").set_value(("good.csv", train_csv, "text/csv"))
    app.file_uploader(key="upload_test").set_value(("bad.csv", with_cell(0, 9), "text/csv")).run()
    app.button(key="save_uploads").click().run()
    assert not app.exception, [error.value for error in app.exception]
    errors = [error.value for error in app.error]
    assert len(errors) == 1
    assert errors[0].startswith("bad.csv, row 2 (line 3), column label: label 9 is invalid")
    assert folder_state(page_data_dir) == {}


def test_train_page_valid_uploads_are_saved(page_data_dir, train_csv, test_csv):
    app = open_page("pages/train.py")
    app.file_uploader(key="upload_train").set_value(("a.csv", train_csv, "text/csv"))
    app.file_uploader(key="upload_test").set_value(("b.csv.gz", gzip.compress(test_csv), "application/gzip")).run()
    app.button(key="save_uploads").click().run()
    assert not app.exception, [error.value for error in app.exception]
    assert not app.error
    assert folder_state(page_data_dir) == {config.TRAIN_CSV: train_csv, config.TEST_CSV: test_csv}
    assert not app.file_uploader
    assert app.selectbox(key="architecture").value == "cnn"


def test_train_page_names_missing_test_file(page_data_dir, train_csv):
    (page_data_dir / config.TRAIN_CSV).write_bytes(train_csv)
    app = open_page("pages/train.py")
    assert f"{config.TEST_CSV} not found in" in app.warning[0].value
    assert len(app.file_uploader) == 3


def test_train_page_offers_upload_for_invalid_file(page_data_dir, test_csv):
    (page_data_dir / config.TRAIN_CSV).write_bytes(with_cell(5, 256))
    (page_data_dir / config.TEST_CSV).write_bytes(test_csv)
    app = open_page("pages/train.py")
    assert "row 2 (line 3), column pixel5: pixel value 256 is outside 0-255" in app.error[0].value
    assert "Upload corrected files to replace them" in app.info[0].value
    assert len(app.file_uploader) == 3


def test_folder_state_includes_hidden_files(tmp_path):
    (tmp_path / ".tmp-leftover").write_bytes(b"x")
    os.makedirs(tmp_path / "sub")
    assert folder_state(tmp_path) == {".tmp-leftover": b"x"}


def test_kaggle_download_failure_is_clear(tmp_path, monkeypatch):
    """kagglehub needs the network, which tests must not use, so its download is replaced."""
    import kagglehub

    def refuse(handle):
        raise ConnectionError(f"Failed to resolve 'api.kaggle.com' for {handle}")

    monkeypatch.setattr(kagglehub, "dataset_download", refuse)
    with pytest.raises(DataError) as info:
        acquire.download_from_kaggle(tmp_path / "data")
    message = str(info.value)
    assert "Downloading datamunge/sign-language-mnist from Kaggle failed" in message
    assert "Failed to resolve" in message
    assert "KAGGLE_USERNAME" in message
    assert not any((tmp_path / "data").glob("*.csv"))


def test_kaggle_download_copies_both_files(tmp_path, monkeypatch):
    import kagglehub

    download = tmp_path / "kaggle-cache" / "versions" / "1"
    download.mkdir(parents=True)
    images, labels = make_split(2)
    data.write_csv(download / config.TRAIN_CSV, images, labels)
    data.write_csv(download / config.TEST_CSV, images[:24], labels[:24])
    monkeypatch.setattr(kagglehub, "dataset_download", lambda handle: str(download))

    acquire.download_from_kaggle(tmp_path / "data")

    assert data.load_split(tmp_path / "data", "train").images.shape == (48, 28, 28)
    assert len(data.load_split(tmp_path / "data", "test")) == 24
