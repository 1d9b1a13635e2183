"""Golden vectors from TensorFlow Lite for tinymlp's int8 inference and `.tflite` import.

Trains three small Keras MLPs on the repository's datasets, converts each to a float and a
full-int8 `.tflite` file, runs both with the interpreter's *reference* kernels
(`OpResolverType.BUILTIN_REF`, not XNNPACK) and writes, for each model:

- `NAME_f32.tflite`, `NAME_int8.tflite`: the converted models;
- `NAME.json`: the rows (float inputs, their int8 input codes), the float model's outputs,
  the int8 model's output codes and their dequantised values, and the int8 model's
  operators and tensors as the interpreter reports them (an independent view of the file,
  to check the importer's parse against).

Run from the repository root (see README.md beside this file for the version used):

    python3 -m venv /tmp/venv-tf && /tmp/venv-tf/bin/pip install tensorflow-cpu
    /tmp/venv-tf/bin/python host-tools/tests/golden/tflite/make_golden.py
"""

import csv
import json
import os
import sys

import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))


def read_csv(path, label):
    with open(os.path.join(ROOT, path)) as f:
        rows = list(csv.DictReader(f))
    names = [k for k in rows[0] if k != label]
    x = np.array([[float(r[k]) for k in names] for r in rows], dtype=np.float32)
    y = [r[label] for r in rows]
    return x, y


def f32(v):
    """A float32 as the shortest decimal that reads back as the same float32."""
    return float(np.float32(v))


def quantize_like_tflite(x, scale, zero_point):
    """TFLite's QUANTIZE (reference affine_quantize): round(x / scale) half away from zero,
    in float32, plus the zero point, clamped to int8."""
    q = np.float32(x) / np.float32(scale)
    r = np.sign(q) * np.floor(np.abs(q) + np.float32(0.5))
    return np.clip(r.astype(np.int64) + zero_point, -128, 127).astype(np.int8)


def interpreter(content):
    it = tf.lite.Interpreter(
        model_content=content,
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF,
    )
    it.allocate_tensors()
    return it


def run_rows(it, rows):
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    outs = []
    for r in rows:
        it.set_tensor(inp["index"], r.reshape(inp["shape"]).astype(inp["dtype"]))
        it.invoke()
        outs.append(np.array(it.get_tensor(out["index"])).reshape(-1))
    return np.array(outs)


def describe(it):
    """The int8 model's operators and tensors, as the interpreter sees them."""
    ops = it._get_ops_details()
    computed = {int(i) for o in ops for i in o["outputs"]}
    computed |= {int(d["index"]) for d in it.get_input_details()}
    tensors = []
    for t in it.get_tensor_details():
        q = t["quantization_parameters"]
        entry = {
            "index": int(t["index"]),
            "name": t["name"],
            "dtype": np.dtype(t["dtype"]).name,
            "shape": [int(d) for d in t["shape"]],
            "scales": [f32(s) for s in q["scales"]],
            "zero_points": [int(z) for z in q["zero_points"]],
            "quantized_dimension": int(q["quantized_dimension"]),
        }
        try:
            # The constants only (weights, biases): not the values of the last row.
            data = None if t["index"] in computed else it.get_tensor(t["index"])
            if data is not None and data.size > 0 and t["dtype"] in (np.int8, np.int32):
                entry["data"] = [int(v) for v in np.array(data).reshape(-1)]
        except ValueError:
            pass
        tensors.append(entry)
    ops = [
        {"index": int(o["index"]), "op": o["op_name"], "inputs": [int(i) for i in o["inputs"]],
         "outputs": [int(i) for i in o["outputs"]]}
        for o in ops
    ]
    return {"operators": ops, "tensors": tensors}


def convert(model, rep_rows, int8, per_tensor=False, float_io=False):
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    if per_tensor:
        # One weight scale per layer instead of one per output channel.
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    if int8:
        conv.optimizations = [tf.lite.Optimize.DEFAULT]

        def rep():
            for r in rep_rows:
                yield [r.reshape(1, -1).astype(np.float32)]

        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not float_io:
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
    return conv.convert()


def make(name, layers, loss, x_train, y_train, x_rows, epochs, task, per_tensor=False):
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([tf.keras.Input(shape=(x_train.shape[1],))] + layers)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    rep_rows = x_train[:300]
    f32_bytes = convert(model, rep_rows, int8=False)
    i8_bytes = convert(model, rep_rows, int8=True, per_tensor=per_tensor)
    with open(os.path.join(HERE, f"{name}_f32.tflite"), "wb") as f:
        f.write(f32_bytes)
    with open(os.path.join(HERE, f"{name}_int8.tflite"), "wb") as f:
        f.write(i8_bytes)

    itf = interpreter(f32_bytes)
    y_f32 = run_rows(itf, x_rows)

    it8 = interpreter(i8_bytes)
    inp = it8.get_input_details()[0]
    out = it8.get_output_details()[0]
    (in_scale, in_zp), (out_scale, out_zp) = inp["quantization"], out["quantization"]
    codes_in = np.array([quantize_like_tflite(r, in_scale, in_zp) for r in x_rows])
    codes_out = run_rows(it8, codes_in).astype(np.int64)
    deq = (np.float32(out_scale) * (codes_out - out_zp).astype(np.float32)).astype(np.float32)

    doc = {
        "model": name,
        "task": task,
        "tensorflow": tf.__version__,
        "resolver": "BUILTIN_REF",
        "input": {"scale": f32(in_scale), "zero_point": int(in_zp)},
        "output": {"scale": f32(out_scale), "zero_point": int(out_zp)},
        "rows": [
            {
                "x": [f32(v) for v in x],
                "x_q": [int(v) for v in q],
                "y_f32": [f32(v) for v in yf],
                "y_q": [int(v) for v in yq],
                "y_deq": [f32(v) for v in yd],
            }
            for x, q, yf, yq, yd in zip(x_rows, codes_in, y_f32, codes_out, deq)
        ],
        "int8_model": describe(it8),
    }
    with open(os.path.join(HERE, f"{name}.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {len(x_rows)} rows, int8 {len(i8_bytes)} B, float {len(f32_bytes)} B", file=sys.stderr)


def make_float_io(name, layers, loss, x_train, y_train, x_rows, epochs):
    """An int8 model with float input and output (QUANTIZE and DEQUANTIZE inside the file),
    and its float twin: rows of float inputs with both models' float outputs."""
    tf.keras.utils.set_random_seed(1)
    model = tf.keras.Sequential([tf.keras.Input(shape=(x_train.shape[1],))] + layers)
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=loss)
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    f32_bytes = convert(model, None, int8=False)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = lambda: ([r.reshape(1, -1).astype(np.float32)] for r in x_train[:300])
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    i8_bytes = conv.convert()
    for suffix, content in (("f32", f32_bytes), ("int8", i8_bytes)):
        with open(os.path.join(HERE, f"{name}_{suffix}.tflite"), "wb") as f:
            f.write(content)
    y_f32 = run_rows(interpreter(f32_bytes), x_rows)
    it8 = interpreter(i8_bytes)
    y_i8 = run_rows(it8, x_rows)
    doc = {
        "model": name,
        "tensorflow": tf.__version__,
        "resolver": "BUILTIN_REF",
        "operators": [o["op_name"] for o in it8._get_ops_details()],
        "rows": [
            {"x": [f32(v) for v in x], "y_f32": [f32(v) for v in yf], "y_deq": [f32(v) for v in yq]}
            for x, yf, yq in zip(x_rows, y_f32, y_i8)
        ],
    }
    with open(os.path.join(HERE, f"{name}.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {len(x_rows)} rows, int8 {len(i8_bytes)} B, float {len(f32_bytes)} B", file=sys.stderr)


def make_normalized(name, x_train, y_train, x_rows, epochs):
    """A float model whose first layer is Keras' Normalization (adapted on the training rows;
    the converter writes it as SUB and MUL), a ReLU6 layer and a softmax head, on raw
    features; its int8 conversions (int8 inputs, and float inputs through QUANTIZE), whose
    scaler tinymlp refuses; and the float model's
    outputs on the rows; and the float file with the softmax's beta set to 0.5, with its
    outputs."""
    tf.keras.utils.set_random_seed(1)
    norm = tf.keras.layers.Normalization()
    norm.adapt(x_train)
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(x_train.shape[1],)), norm,
        tf.keras.layers.Dense(16, activation="relu6"),
        tf.keras.layers.Dense(int(y_train.max()) + 1, activation="softmax"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, verbose=0)
    f32_bytes = convert(model, None, int8=False)
    i8_bytes = convert(model, x_train[:300], int8=True)
    i8_float_io = convert(model, x_train[:300], int8=True, float_io=True)
    for suffix, content in (("f32", f32_bytes), ("int8", i8_bytes), ("int8_float_io", i8_float_io)):
        with open(os.path.join(HERE, f"{name}_{suffix}.tflite"), "wb") as f:
            f.write(content)
    itf = interpreter(f32_bytes)
    y_f32 = run_rows(itf, x_rows)
    # The same float file with SOFTMAX's beta set to 0.5 (Keras always writes 1; other
    # converters may not), edited with TensorFlow's own flatbuffer_utils.
    from tensorflow.lite.tools import flatbuffer_utils

    m = flatbuffer_utils.read_model_from_bytearray(bytearray(f32_bytes))
    softmax = [op for op in m.subgraphs[0].operators if op.builtinOptions is not None
               and type(op.builtinOptions).__name__ == "SoftmaxOptionsT"]
    assert len(softmax) == 1
    softmax[0].builtinOptions.beta = 0.5
    beta_bytes = bytes(flatbuffer_utils.convert_object_to_bytearray(m))
    with open(os.path.join(HERE, f"{name}_beta_f32.tflite"), "wb") as f:
        f.write(beta_bytes)
    y_beta = run_rows(interpreter(beta_bytes), x_rows)
    doc = {
        "model": name,
        "tensorflow": tf.__version__,
        "resolver": "BUILTIN_REF",
        "operators": [o["op_name"] for o in itf._get_ops_details()],
        "int8_operators": [o["op_name"] for o in interpreter(i8_bytes)._get_ops_details()],
        "rows": [
            {"x": [f32(v) for v in x], "y_f32": [f32(v) for v in yf], "y_beta": [f32(v) for v in yb]}
            for x, yf, yb in zip(x_rows, y_f32, y_beta)
        ],
    }
    with open(os.path.join(HERE, f"{name}.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {len(x_rows)} rows, float {len(f32_bytes)} B, ops {doc['operators']}", file=sys.stderr)


def wine_normalized():
    # Wine on raw features (values from 0.1 to 1,680): Keras' Normalization inside the model,
    # 13-16-3 with ReLU6 and a softmax head.
    x_tr, y_tr = read_csv("data/wine/train.csv", "class")
    x_te, _ = read_csv("data/wine/test.csv", "class")
    classes = sorted(set(y_tr))
    y_tr = np.array([classes.index(v) for v in y_tr])
    make_normalized("wine_normalized", x_tr, y_tr, np.concatenate([x_tr, x_te]), 100)


def main():
    # `make_golden.py NAME` makes only that file set (`wine_normalized`); no argument: all.
    if sys.argv[1:] == ["wine_normalized"]:
        wine_normalized()
        return
    # Moons: the seed MLP's 2-64-32-16-1 shape (ReLU, sigmoid head), standardised inputs.
    x_tr, y_tr = read_csv("data/moons/train.csv", "label")
    x_te, _ = read_csv("data/moons/test.csv", "label")
    y_tr = np.array([[float(v)] for v in y_tr], dtype=np.float32)
    make(
        "moons_sigmoid",
        [tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(32, activation="relu"),
         tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(1, activation="sigmoid")],
        "binary_crossentropy", x_tr, y_tr, x_te[:200], 30, "binary",
    )

    # Iris: raw measurements, 4-16-8-3 with a tanh layer, a ReLU6 layer and a softmax head.
    x_tr, y_tr = read_csv("data/iris/train.csv", "species")
    x_te, _ = read_csv("data/iris/test.csv", "species")
    classes = sorted(set(y_tr))
    y_tr = np.array([classes.index(v) for v in y_tr])
    make(
        "iris_softmax",
        [tf.keras.layers.Dense(16, activation="tanh"), tf.keras.layers.Dense(8, activation=tf.nn.relu6),
         tf.keras.layers.Dense(3, activation="softmax")],
        "sparse_categorical_crossentropy", x_tr, y_tr, np.concatenate([x_tr, x_te]), 150, "multiclass",
    )

    # Sine: TensorFlow Lite Micro's hello-world network, 1-16-16-1 ReLU with a linear output.
    x_tr, y_tr = read_csv("data/sine/train.csv", "y")
    x_te, _ = read_csv("data/sine/test.csv", "y")
    y_tr = np.array([[float(v)] for v in y_tr], dtype=np.float32)
    make(
        "sine",
        [tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(16, activation="relu"),
         tf.keras.layers.Dense(1)],
        "mse", x_tr, y_tr, x_te, 200, "regression",
    )
    # The same network with per-tensor weight scales.
    make(
        "sine_per_tensor",
        [tf.keras.layers.Dense(16, activation="relu"), tf.keras.layers.Dense(16, activation="relu"),
         tf.keras.layers.Dense(1)],
        "mse", x_tr, y_tr, x_te[:50], 200, "regression", per_tensor=True,
    )

    # Keras Reshape and Flatten (the converter computes their target shapes with SHAPE,
    # STRIDED_SLICE and PACK), a dense layer without bias, tanh: on moons.
    x_tr, y_tr = read_csv("data/moons/train.csv", "label")
    x_te, _ = read_csv("data/moons/test.csv", "label")
    y_tr = np.array([[float(v)] for v in y_tr], dtype=np.float32)
    make(
        "moons_reshape",
        [tf.keras.layers.Dense(12, activation="tanh", use_bias=False), tf.keras.layers.Reshape((3, 4)),
         tf.keras.layers.Flatten(), tf.keras.layers.Dense(8, activation="relu"),
         tf.keras.layers.Dense(1, activation="sigmoid")],
        "binary_crossentropy", x_tr, y_tr, x_te[:100], 20, "binary",
    )

    # Wine, standardised with the training rows' mean and deviation: 13-32-16-3, ReLU,
    # softmax head; the int8 file keeps float input and output (QUANTIZE, DEQUANTIZE).
    x_tr, y_tr = read_csv("data/wine/train.csv", "class")
    x_te, _ = read_csv("data/wine/test.csv", "class")
    mean, std = x_tr.mean(axis=0), x_tr.std(axis=0)
    x_tr, x_te = ((x_tr - mean) / std).astype(np.float32), ((x_te - mean) / std).astype(np.float32)
    classes = sorted(set(y_tr))
    y_tr = np.array([classes.index(v) for v in y_tr])
    make_float_io(
        "wine_float_io",
        [tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(16, activation="relu"),
         tf.keras.layers.Dense(3, activation="softmax")],
        "sparse_categorical_crossentropy", x_tr, y_tr, np.concatenate([x_tr, x_te]), 100,
    )

    # Operators the importer refuses: x -> Dense -> x*x + 1 (MUL, ADD), float only.
    tf.keras.utils.set_random_seed(1)
    inp = tf.keras.Input(shape=(2,))
    h = tf.keras.layers.Dense(4)(inp)
    out = tf.keras.layers.Add()([tf.keras.layers.Multiply()([h, h]), h])
    model = tf.keras.Model(inp, tf.keras.layers.Dense(1)(out))
    with open(os.path.join(HERE, "unsupported_f32.tflite"), "wb") as f:
        f.write(convert(model, None, int8=False))

    wine_normalized()


if __name__ == "__main__":
    main()
