#!/usr/bin/env python3
"""Writes the reference datasets under data/ from scikit-learn's bundled datasets.

Everything comes from data shipped inside the scikit-learn package (nothing is downloaded)
or from a seeded numpy generator, so a run gives the same files byte for byte:

    python3 data/make_datasets.py           # (re)write data/{wine,digits,cancer,diabetes,sine}
    python3 data/make_datasets.py --check   # compare with the files on disk, iris included

Needs numpy and scikit-learn (`pip install scikit-learn`). Iris (data/iris) and moons
(data/moons) are kept as they were made; --check confirms that iris's split call, run
again, gives the rows in data/iris.

Numbers are written so that they read back to the same double: a value with no fraction
as an integer (`16`, `1065`), any other with Python's shortest round-trip repr (`14.23`).
"""

import argparse
import io
import math
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, load_wine
from sklearn.model_selection import train_test_split

DATA = Path(__file__).resolve().parent

SPLIT_CALL = "train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)"
REGRESSION_SPLIT_CALL = "train_test_split(X, y, test_size=0.25, random_state=42)"
SINE_SEED = 1234


def fmt(v):
    """A number as text that parses back to the same double."""
    if isinstance(v, str):
        return v
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"not finite: {v}")
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def fmt_float(v):
    """A float always with a fraction or exponent (`151.0`), for regression targets."""
    return repr(float(v))


def csv_text(header, rows):
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    for row in rows:
        out.write(",".join(row) + "\n")
    return out.getvalue()


def classification(X, y, names, features, label, label_first=False):
    """(train, test) CSV texts of a stratified 75/25 split with string or integer labels."""
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)
    header = [label, *features] if label_first else [*features, label]

    def rows(X, y):
        for x, c in zip(X, y):
            cells = [fmt(v) for v in x]
            lab = names[c] if names is not None else str(int(c))
            yield [lab, *cells] if label_first else [*cells, lab]

    return csv_text(header, rows(Xtr, ytr)), csv_text(header, rows(Xte, yte))


def wine():
    d = load_wine()
    return classification(d.data, d.target, list(d.target_names), list(d.feature_names), "class", label_first=True)


def digits():
    d = load_digits()
    return classification(d.data, d.target, None, [f"p{i}" for i in range(64)], "digit")


def cancer():
    d = load_breast_cancer()
    features = [f.replace(" ", "_") for f in d.feature_names]
    return classification(d.data, d.target, list(d.target_names), features, "diagnosis")


def diabetes():
    # The original measurements (age in years, sex coded 1/2, BMI, mean blood pressure and
    # six blood serum values), not the mean-centred, norm-scaled copy that scaled=True gives.
    d = load_diabetes(scaled=False)
    Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.25, random_state=42)
    header = [*d.feature_names, "target"]

    def rows(X, y):
        for x, t in zip(X, y):
            yield [*(fmt(v) for v in x), fmt_float(t)]

    return csv_text(header, rows(Xtr, ytr)), csv_text(header, rows(Xte, yte))


def sine():
    """TensorFlow Lite Micro's hello_world data: x uniform in [0, 2π), shuffled,
    y = sin(x) + 0.1·N(0, 1); the first 800 rows train, the last 200 test."""
    rng = np.random.default_rng(SINE_SEED)
    x = rng.uniform(low=0.0, high=2 * math.pi, size=1000)
    rng.shuffle(x)
    y = np.sin(x) + 0.1 * rng.standard_normal(1000)

    def text(xs, ys):
        return csv_text(["x", "y"], ([fmt_float(a), fmt_float(b)] for a, b in zip(xs, ys)))

    return text(x[:800], y[:800]), text(x[800:], y[800:])


def iris():
    """The split in data/iris (made once and kept): for --check only."""
    d = load_iris()
    Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.3, random_state=42, stratify=d.target)
    names = list(d.target_names)
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]

    def rows(X, y):
        for x, c in zip(X, y):
            yield [*(fmt(v) for v in x), names[c]]

    return csv_text(header, rows(Xtr, ytr)), csv_text(header, rows(Xte, yte))


WRITTEN = {"wine": wine, "digits": digits, "cancer": cancer, "diabetes": diabetes, "sine": sine}
CHECKED_ONLY = {"iris": iris}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    args = ap.parse_args()
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}")
    bad = 0
    todo = {**WRITTEN, **CHECKED_ONLY} if args.check else WRITTEN
    for name, make in todo.items():
        train, test = make()
        for split, text in (("train", train), ("test", test)):
            path = DATA / name / f"{split}.csv"
            rows = text.count("\n") - 1
            if args.check:
                same = path.exists() and path.read_text() == text
                bad += not same
                print(f"{'same' if same else 'DIFFERENT'}  {path.relative_to(DATA.parent)} ({rows} rows)")
            else:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(DATA.parent)} ({rows} rows)")
    if bad:
        print(f"{bad} file(s) differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
