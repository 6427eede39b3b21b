"""Tests of the CSV loader, its error messages, the label table and the split."""

from __future__ import annotations

import gzip
import io
import shutil
import zipfile

import numpy as np
import pytest

from signlang import config, data
from signlang.errors import DataError, SettingsError

from conftest import make_split

HEADER = ",".join(config.CSV_HEADER)


def write_rows(path, rows, header=HEADER):
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def valid_row(label=0, value=10):
    return [label] + [value] * config.NUM_PIXELS


def test_label_mapping_skips_j_and_z():
    assert len(config.LETTERS) == 24
    assert "J" not in config.LETTERS
    assert "Z" not in config.LETTERS
    assert config.class_to_letter(config.label_to_class(10)) == "K"
    assert config.class_to_letter(config.label_to_class(0)) == "A"
    assert config.class_to_letter(config.label_to_class(24)) == "Y"


def test_label_mapping_matches_letter_arithmetic():
    for label in range(25):
        if label == 9:
            continue
        assert config.class_to_letter(config.label_to_class(label)) == chr(ord("A") + label)


@pytest.mark.parametrize("label", [9, 25, -1, 30])
def test_label_mapping_rejects_invalid(label):
    with pytest.raises(ValueError):
        config.label_to_class(label)


def test_read_csv_valid_file(tmp_path):
    images, labels = make_split(2)
    data.write_csv(tmp_path / "a.csv", images, labels)
    loaded = data.read_csv(tmp_path / "a.csv")
    assert loaded.images.dtype == np.uint8
    assert loaded.images.shape == (48, 28, 28)
    assert np.array_equal(loaded.images, images)
    assert np.array_equal(loaded.labels, labels)
    assert set(loaded.classes) == set(range(24))


def test_find_sources_reads_gzip_and_zip_alike(tmp_path):
    images, labels = make_split(1)
    plain = tmp_path / "plain"
    plain.mkdir()
    data.write_csv(plain / config.TRAIN_CSV, images, labels)
    data.write_csv(plain / config.TEST_CSV, images[:24], labels[:24])

    gz = tmp_path / "gz"
    gz.mkdir()
    for name in (config.TRAIN_CSV, config.TEST_CSV):
        with open(plain / name, "rb") as source, gzip.open(gz / f"{name}.gz", "wb") as target:
            shutil.copyfileobj(source, target)

    zipped = tmp_path / "zip"
    zipped.mkdir()
    with zipfile.ZipFile(zipped / config.KAGGLE_ARCHIVE, "w") as archive:
        archive.write(plain / config.TRAIN_CSV, config.TRAIN_CSV)
        archive.write(plain / config.TEST_CSV, config.TEST_CSV)
        archive.write(plain / config.TEST_CSV, f"sign_mnist_test/{config.TEST_CSV}")
        archive.writestr("amer_sign2.png", b"not used")

    loaded = [data.load_split(folder, "train") for folder in (plain, gz, zipped)]
    assert all(np.array_equal(item.images, images) for item in loaded)
    assert len({item.checksum() for item in loaded}) == 1


def test_find_sources_missing_folder_names_it(tmp_path):
    with pytest.raises(DataError, match="does not exist") as info:
        data.find_sources(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(info.value)


def test_find_sources_missing_test_file(tmp_path):
    images, labels = make_split(1)
    data.write_csv(tmp_path / config.TRAIN_CSV, images, labels)
    with pytest.raises(DataError, match=config.TEST_CSV):
        data.find_sources(tmp_path)
    assert not data.has_data(tmp_path)


def test_zip_without_csvs_is_rejected(tmp_path):
    with zipfile.ZipFile(tmp_path / config.KAGGLE_ARCHIVE, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    with pytest.raises(DataError, match="does not contain"):
        data.find_sources(tmp_path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "is empty"),
        (HEADER + "\n", "no data rows"),
        (",".join(config.CSV_HEADER[1:]) + "\n" + ",".join(["1"] * 784) + "\n", "no 'label' column"),
        (",".join(config.CSV_HEADER[:-1]) + "\n" + ",".join(["1"] * 784) + "\n", "784 header columns"),
        (HEADER + ",pixel785\n" + ",".join(["1"] * 786) + "\n", "786 header columns"),
        (";".join(config.CSV_HEADER) + "\n" + ";".join(["1"] * 785) + "\n", "semicolons"),
    ],
    ids=["empty", "header-only", "no-label", "784-columns", "786-columns", "semicolons"],
)
def test_read_csv_rejects_bad_layout(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=expected) as info:
        data.read_csv(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (5, "abc", "row 2 (line 3), column pixel5: value 'abc' is not an integer"),
        (5, "-1", "row 2 (line 3), column pixel5: pixel value -1 is outside 0-255"),
        (5, "256", "row 2 (line 3), column pixel5: pixel value 256 is outside 0-255"),
        (5, "", "row 2 (line 3), column pixel5: the cell is empty"),
        (5, "1.5", "row 2 (line 3), column pixel5: value '1.5' is not an integer"),
        (0, "9", "row 2 (line 3), column label: label 9 is invalid"),
        (0, "25", "label 25 is invalid"),
        (0, "30", "label 30 is invalid"),
        (0, "-1", "label -1 is invalid"),
    ],
)
def test_read_csv_names_row_and_column(tmp_path, column, value, expected):
    rows = [valid_row(), valid_row(1)]
    rows[1][column] = value
    path = write_rows(tmp_path / "bad.csv", rows)
    with pytest.raises(DataError) as info:
        data.read_csv(path)
    assert expected in str(info.value)
    assert str(path) in str(info.value)


def test_read_csv_short_row_names_line(tmp_path):
    rows = [valid_row(), valid_row(1)[:-1]]
    path = write_rows(tmp_path / "short.csv", rows)
    with pytest.raises(DataError, match="line 3: expected 785"):
        data.read_csv(path)


def test_read_csv_long_row_names_line(tmp_path):
    rows = [valid_row(), valid_row(1) + [7]]
    path = write_rows(tmp_path / "long.csv", rows)
    with pytest.raises(DataError, match="line 3: expected 785"):
        data.read_csv(path)


def test_read_csv_truncated_gzip(tmp_path):
    images, labels = make_split(3)
    data.write_csv(tmp_path / "full.csv.gz", images, labels)
    raw = (tmp_path / "full.csv.gz").read_bytes()
    path = tmp_path / "truncated.csv.gz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(DataError, match="could not be read") as info:
        data.read_csv(path)
    assert "truncated.csv.gz" in str(info.value)


def test_read_csv_binary_file(tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(DataError):
        data.read_csv(path)


def kaggle_like_rows(first_row, count):
    rows = np.zeros((count, 785), dtype=np.int64)
    rows[:, 0] = 1
    rows[0, :4] = first_row
    return rows


@pytest.mark.parametrize(("expected", "first_row", "count", "message"), [
    ("test", (3, 107, 118, 127), config.KAGGLE_TRAIN_ROWS, "training file"),
    ("train", (6, 149, 149, 150), config.KAGGLE_TEST_ROWS, "test file"),
])
def test_read_csv_rejects_swapped_files(tmp_path, expected, first_row, count, message):
    rows = kaggle_like_rows(first_row, count)
    path = tmp_path / "swapped.csv"
    data.write_csv(path, rows[:, 1:], rows[:, 0])
    with pytest.raises(DataError, match=f"is Kaggle's {message}"):
        data.read_csv(path, expected=expected)
    assert len(data.read_csv(path, expected=None)) == count


def test_train_val_split_is_stratified_and_seeded(generated_data_dir):
    train = data.load_split(generated_data_dir, "train")
    fit, val = data.train_val_split(train, 0.1, seed=3)
    again_fit, again_val = data.train_val_split(train, 0.1, seed=3)
    assert len(fit) + len(val) == len(train)
    assert np.array_equal(val.labels, again_val.labels)
    assert np.array_equal(val.images, again_val.images)
    assert set(np.unique(val.labels)) == set(np.unique(train.labels))
    counts = np.bincount(val.classes, minlength=24)
    assert counts.min() == counts.max() == 2


@pytest.mark.parametrize("fraction", [0.0, -0.1, 0.51, 1.0])
def test_train_val_split_rejects_fraction(generated_data_dir, fraction):
    train = data.load_split(generated_data_dir, "train")
    with pytest.raises(SettingsError, match="Validation fraction"):
        data.train_val_split(train, fraction)


def test_real_data_matches_kaggle_counts(real_data_dir):
    train = data.load_split(real_data_dir, "train")
    test = data.load_split(real_data_dir, "test")
    assert len(train) == config.KAGGLE_TRAIN_ROWS
    assert len(test) == config.KAGGLE_TEST_ROWS
    assert train.labels[0] == 3
    assert test.labels[0] == 6
    assert 9 not in set(train.labels)


def test_read_csv_line_number_counts_blank_lines(tmp_path):
    path = tmp_path / "blank.csv"
    lines = [HEADER, ",".join(map(str, valid_row())), "", ",".join(map(str, valid_row(1, 300)))]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        data.read_csv(path)
    assert "row 2 (line 4), column pixel1: pixel value 300 is outside 0-255" in str(info.value)


@pytest.mark.parametrize("value", ["NaN", "NA", "null"])
def test_read_csv_missing_value_words_are_not_integers(tmp_path, value):
    rows = [valid_row(), valid_row(1)]
    rows[1][3] = value
    path = write_rows(tmp_path / "words.csv", rows)
    with pytest.raises(DataError) as info:
        data.read_csv(path)
    assert f"row 2 (line 3), column pixel3: value '{value}' is not an integer" in str(info.value)


def test_read_csv_huge_value_reported_without_overflow(tmp_path):
    rows = [valid_row(), valid_row(1)]
    rows[1][3] = "99999999999999999999999"
    path = write_rows(tmp_path / "huge.csv", rows)
    with pytest.raises(DataError) as info:
        data.read_csv(path)
    assert "row 2 (line 3), column pixel3: pixel value 99999999999999991611392 is outside 0-255" in str(info.value)


def test_read_csv_accepts_whole_numbers_written_as_floats(tmp_path):
    rows = [valid_row(), valid_row(1)]
    rows[1][3] = "3.0"
    rows[1][0] = "1e0"
    loaded = data.read_csv(write_rows(tmp_path / "floats.csv", rows))
    assert loaded.labels.dtype == np.int64
    assert list(loaded.labels) == [0, 1]
    assert loaded.images[1].reshape(-1)[2] == 3


def test_read_csv_rejects_tabs(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("\t".join(config.CSV_HEADER) + "\n" + "\t".join(map(str, valid_row())) + "\n")
    with pytest.raises(DataError, match="uses tabs between values") as info:
        data.read_csv(path)
    assert str(path) in str(info.value)


def test_locate_sources_lists_present_files_only(tmp_path):
    images, labels = make_split(1)
    assert data.locate_sources(tmp_path / "absent") == {}
    data.write_csv(tmp_path / config.TRAIN_CSV, images, labels)
    assert list(data.locate_sources(tmp_path)) == ["train"]


def write_data_folder(folder, train=None, test=None):
    """A data folder with valid generated CSVs, except where bytes for a file are given."""
    folder.mkdir()
    images, labels = make_split(2)
    for name, content in ((config.TRAIN_CSV, train), (config.TEST_CSV, test)):
        if content is None:
            data.write_csv(folder / name, images, labels)
        else:
            (folder / name).write_bytes(content)
    return folder


def rows_bytes(rows, header=HEADER):
    return ("\n".join([header] + [",".join(str(v) for v in row) for row in rows]) + "\n").encode()


def cell_bytes(column, value):
    rows = [valid_row(), valid_row(1)]
    rows[1][column] = value
    return rows_bytes(rows)


CLI_BAD_FILES = [
    ("empty", config.TRAIN_CSV, b"", "is empty"),
    ("header-only", config.TRAIN_CSV, (HEADER + "\n").encode(), "has a header but no data rows"),
    ("no-label", config.TRAIN_CSV, rows_bytes([valid_row()[1:]], ",".join(config.CSV_HEADER[1:])), "has no 'label' column"),
    ("784-columns", config.TRAIN_CSV, rows_bytes([valid_row()[:-1]], ",".join(config.CSV_HEADER[:-1])), "has 784 header columns"),
    ("786-columns", config.TRAIN_CSV, rows_bytes([valid_row() + [1]], HEADER + ",pixel785"), "has 786 header columns"),
    ("non-numeric", config.TRAIN_CSV, cell_bytes(5, "abc"), "row 2 (line 3), column pixel5: value 'abc' is not an integer"),
    ("pixel-minus-1", config.TRAIN_CSV, cell_bytes(5, -1), "row 2 (line 3), column pixel5: pixel value -1 is outside 0-255"),
    ("pixel-256", config.TEST_CSV, cell_bytes(5, 256), "row 2 (line 3), column pixel5: pixel value 256 is outside 0-255"),
    ("label-9", config.TRAIN_CSV, cell_bytes(0, 9), "row 2 (line 3), column label: label 9 is invalid"),
    ("label-25", config.TRAIN_CSV, cell_bytes(0, 25), "row 2 (line 3), column label: label 25 is invalid"),
    ("label-30", config.TEST_CSV, cell_bytes(0, 30), "row 2 (line 3), column label: label 30 is invalid"),
    ("label-minus-1", config.TEST_CSV, cell_bytes(0, -1), "row 2 (line 3), column label: label -1 is invalid"),
    ("empty-cell", config.TRAIN_CSV, cell_bytes(5, ""), "row 2 (line 3), column pixel5: the cell is empty"),
    ("semicolons", config.TRAIN_CSV, rows_bytes([valid_row()]).replace(b",", b";"), "uses semicolons"),
]


@pytest.mark.parametrize(("case", "name", "content", "message"), CLI_BAD_FILES, ids=[c[0] for c in CLI_BAD_FILES])
def test_cli_train_rejects_bad_data_file(tmp_path, capsys, case, name, content, message):
    from signlang import cli

    files = {"train": content} if name == config.TRAIN_CSV else {"test": content}
    folder = write_data_folder(tmp_path / "data", **files)
    out = tmp_path / "models" / "x.keras"
    status = cli.main(["train", "--data-dir", str(folder), "--out", str(out), "--epochs", "1"])
    stderr = capsys.readouterr().err
    assert status == 1
    assert stderr.startswith(f"error: {folder / name}")
    assert message in stderr
    assert "Traceback" not in stderr
    assert not out.parent.exists()


def test_cli_train_rejects_truncated_gzip(tmp_path, capsys):
    from signlang import cli

    folder = write_data_folder(tmp_path / "data")
    images, labels = make_split(2)
    data.write_csv(folder / f"{config.TEST_CSV}.gz", images, labels)
    (folder / config.TEST_CSV).unlink()
    raw = (folder / f"{config.TEST_CSV}.gz").read_bytes()
    (folder / f"{config.TEST_CSV}.gz").write_bytes(raw[: len(raw) // 2])
    status = cli.main(["train", "--data-dir", str(folder), "--out", str(tmp_path / "x.keras")])
    stderr = capsys.readouterr().err
    assert status == 1
    assert f"{config.TEST_CSV}.gz could not be read" in stderr


def test_cli_train_rejects_zip_without_csvs(tmp_path, capsys):
    from signlang import cli

    folder = tmp_path / "data"
    folder.mkdir()
    with zipfile.ZipFile(folder / config.KAGGLE_ARCHIVE, "w") as archive:
        archive.writestr("readme.txt", "nothing here")
    status = cli.main(["train", "--data-dir", str(folder), "--out", str(tmp_path / "x.keras")])
    stderr = capsys.readouterr().err
    assert status == 1
    assert f"{folder / config.KAGGLE_ARCHIVE} does not contain" in stderr


def test_cli_train_rejects_missing_data_folder(tmp_path, capsys):
    from signlang import cli

    status = cli.main(["train", "--data-dir", str(tmp_path / "nope"), "--out", str(tmp_path / "x.keras")])
    stderr = capsys.readouterr().err
    assert status == 1
    assert f"Data folder {tmp_path / 'nope'} does not exist" in stderr


@pytest.mark.parametrize(("swapped", "first_row", "count", "message"), [
    ("train", (6, 149, 149, 150), config.KAGGLE_TEST_ROWS, "is Kaggle's test file (7,172 rows) but was given as the training file"),
    ("test", (3, 107, 118, 127), config.KAGGLE_TRAIN_ROWS, "is Kaggle's training file (27,455 rows) but was given as the test file"),
])
def test_cli_train_rejects_swapped_file(tmp_path, capsys, swapped, first_row, count, message):
    from signlang import cli

    rows = kaggle_like_rows(first_row, count)
    buffer = io.StringIO()
    data.write_csv(buffer, rows[:, 1:], rows[:, 0])
    folder = write_data_folder(tmp_path / "data", **{swapped: buffer.getvalue().encode()})
    status = cli.main(["train", "--data-dir", str(folder), "--out", str(tmp_path / "x.keras")])
    stderr = capsys.readouterr().err
    assert status == 1
    assert message in stderr
