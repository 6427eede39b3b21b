"""Command-line interface: `python -m signlang {train,evaluate,predict,bench,bench-crop}`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from signlang import config
from signlang.errors import SignlangError

logger = logging.getLogger("signlang")


def _default_model_path(architecture: str) -> Path:
    return config.models_dir() / f"{architecture}{config.MODEL_SUFFIX}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m signlang", description="Train, evaluate and run the Sign Language MNIST models.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and library messages")
    commands = parser.add_subparsers(dest="command", required=True)

    data_help = f"folder with {config.TRAIN_CSV} and {config.TEST_CSV} (.csv, .csv.gz or Kaggle's archive.zip); default: ${config.DATA_DIR_ENV}, else ./data"

    train = commands.add_parser("train", help="train a model and save it with its metrics JSON")
    train.add_argument("--arch", choices=config.ARCHITECTURES, default="cnn", help="architecture (default: cnn)")
    train.add_argument("--epochs", type=int, default=None, help="number of epochs (default: 10 for cnn, 20 for resnet50)")
    train.add_argument("--batch-size", type=int, default=None, help="images per batch (default: 128)")
    train.add_argument("--learning-rate", type=float, default=None, help="peak learning rate of the cosine schedule (default: 0.002)")
    train.add_argument("--no-augment", action="store_true", help="train without random rotation, shift and zoom")
    train.add_argument("--val-fraction", type=float, default=config.DEFAULT_VAL_FRACTION, help="share of training rows held out for validation, in (0, 0.5] (default: 0.1)")
    train.add_argument("--seed", type=int, default=config.DEFAULT_SEED, help="random seed (default: 42)")
    train.add_argument("--data-dir", help=data_help)
    train.add_argument("--out", type=Path, help="output .keras path (default: models/ARCH.keras)")

    evaluate = commands.add_parser("evaluate", help="print a model's accuracy and loss on the test set")
    evaluate.add_argument("--model", type=Path, required=True, help="path to a .keras model")
    evaluate.add_argument("--data-dir", help=data_help)
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="predict the letter in image files")
    predict.add_argument("images", nargs="+", type=Path, help="image files (PNG, JPEG, ...) of any size")
    predict.add_argument("--model", type=Path, default=None, help="path to a .keras model (default: models/cnn.keras)")
    predict.add_argument("--roi-fraction", type=float, default=1.0, help="side of the centered square as a share of the shorter image side, in [0.1, 1] (default: 1.0)")

    bench = commands.add_parser("bench", help="measure per-frame time, training throughput and memory")
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--frames", type=int, default=300, help="frames timed per pipeline after warm-up (default: 300)")
    bench.add_argument("--leak-frames", type=int, default=10_000, help="frames run for the memory growth check (default: 10000)")
    bench.add_argument("--train-rows", type=int, default=4096, help="generated rows per training-throughput epoch (default: 4096)")

    bench_crop = commands.add_parser("bench-crop", help="compare the centered crop and the hand crop on test images placed in 640x480 frames")
    bench_crop.add_argument("--model", type=Path, default=None, help="path to a .keras model (default: models/cnn.keras)")
    bench_crop.add_argument("--data-dir", help=data_help)
    bench_crop.add_argument("--split", choices=("test", "train"), default="test", help="data split to place in frames (default: test)")
    bench_crop.add_argument("--limit", type=int, default=None, help="number of images, drawn by a seeded shuffle (default: all)")
    bench_crop.add_argument("--seed", type=int, default=config.DEFAULT_SEED, help="seed of the sample, placements and noise (default: 42)")
    bench_crop.add_argument("--padding", type=float, default=None, help="padding on each side of the hand's box, as a share of its longer side (default: 0.05)")
    bench_crop.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return COMMANDS[args.command](args)
    except SignlangError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was saved", file=sys.stderr)
        return 130


def run_train(args: argparse.Namespace) -> int:
    from signlang import data, storage, training

    settings = training.TrainSettings(architecture=args.arch, epochs=args.epochs, augment=not args.no_augment,
                                      val_fraction=args.val_fraction, seed=args.seed, learning_rate=args.learning_rate)
    if args.batch_size is not None:
        settings.batch_size = args.batch_size
    settings.validate()
    out_path = args.out or _default_model_path(args.arch)
    if out_path.suffix != config.MODEL_SUFFIX:
        print(f"error: --out must end in {config.MODEL_SUFFIX}, got {out_path}", file=sys.stderr)
        return 2

    data_dir = config.resolve_data_dir(args.data_dir)
    train_data = data.load_split(data_dir, "train")
    test_data = data.load_split(data_dir, "test")
    storage.check_folder_writable(out_path.parent)

    def report(progress: training.Progress) -> None:
        if progress.batch == progress.batches and len(progress.history.get("loss", [])) == progress.epoch:
            latest = {key: values[-1] for key, values in progress.history.items()}
            print(
                f"epoch {progress.epoch}/{progress.epochs}: loss {latest.get('loss', float('nan')):.4f} "
                f"accuracy {latest.get('accuracy', float('nan')):.4f} val_loss {latest.get('val_loss', float('nan')):.4f} "
                f"val_accuracy {latest.get('val_accuracy', float('nan')):.4f}",
                flush=True,
            )

    result = training.train(settings, train_data, test_data, out_path, report=report)
    test = result.metadata["test"]
    print(f"test accuracy {test['accuracy']:.4f} loss {test['loss']:.4f} on {test['n']} images; "
          f"training took {result.metadata['train_seconds']:.0f} s; saved {out_path}")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from signlang import data, evaluation, storage

    model, metadata = storage.load_model(args.model)
    test_data = data.load_split(config.resolve_data_dir(args.data_dir), "test")
    scores = evaluation.evaluate(model, test_data)
    if args.json:
        print(json.dumps({
            "model": str(args.model), "architecture": metadata.get("architecture"),
            "accuracy": scores.accuracy, "loss": scores.loss, "n": scores.n,
            "errors": int(len(scores.mistakes())),
        }))
    else:
        print(f"{args.model}: test accuracy {scores.accuracy:.4f} ({scores.n - len(scores.mistakes())}/{scores.n}), loss {scores.loss:.4f}")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    from signlang.images import read_image
    from signlang.inference import Predictor
    from signlang.preprocess import preprocess

    predictor = Predictor.load(args.model or _default_model_path("cnn"))
    failures = 0
    for path in args.images:
        try:
            image = read_image(path)
        except SignlangError as error:
            print(f"error: {error}", file=sys.stderr)
            failures += 1
            continue
        model_input, _ = preprocess(image, args.roi_fraction)
        prediction = predictor.predict(model_input)
        print(f"{path}: {prediction.letter} {prediction.confidence:.3f}")
    return 1 if failures else 0


def run_bench(args: argparse.Namespace) -> int:
    from signlang import bench

    results = bench.run(frames=args.frames, leak_frames=args.leak_frames, train_rows=args.train_rows)
    if args.json:
        print(json.dumps(results))
    else:
        for key, value in results.items():
            print(f"{key}: {value}")
    return 0


def run_bench_crop(args: argparse.Namespace) -> int:
    from signlang import crop_bench, data, hand
    from signlang.inference import Predictor

    predictor = Predictor.load(args.model or _default_model_path("cnn"))
    images = data.load_split(config.resolve_data_dir(args.data_dir), args.split)
    padding = hand.DEFAULT_PADDING if args.padding is None else args.padding
    results = crop_bench.run_crop_bench(predictor, images, limit=args.limit, seed=args.seed, padding=padding)
    print(json.dumps(results) if args.json else crop_bench.format_table(results))
    return 0


COMMANDS = {"train": run_train, "evaluate": run_evaluate, "predict": run_predict, "bench": run_bench,
            "bench-crop": run_bench_crop}
