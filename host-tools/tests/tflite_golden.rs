//! TFLite's interpreter (reference kernels) against tinymlp's int8 inference, bit for bit,
//! on the golden files in `tests/golden/tflite` (see the README there for how they were made).

use serde_json::Value;
use std::path::PathBuf;
use tinymlp_host::tflite::{ImportError, Imported, import};
use tinymlp_net::{QFused, QLayerSpec, QNet, QTensor};

const MODELS: [&str; 4] = ["moons_sigmoid", "iris_softmax", "sine", "sine_per_tensor"];

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tflite")
}

fn golden(name: &str) -> Value {
    let bytes = std::fs::read(golden_dir().join(format!("{name}.json"))).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn qtensor(t: &Value) -> QTensor {
    QTensor { scale: floats(&t["scales"])[0], zero_point: ints(&t["zero_points"])[0] as i32 }
}

/// The int8 model as the interpreter described it (operators and tensors), built as a
/// [`QNet`] without the importer. The interpreter does not report a fully connected
/// layer's fused activation; the converter names the tensors after the Keras activation,
/// so the test takes it from the output tensor's name.
fn from_description(doc: &Value) -> QNet {
    let m = &doc["int8_model"];
    let tensors = m["tensors"].as_array().unwrap();
    let t = |i: i64| tensors.iter().find(|t| t["index"].as_i64() == Some(i)).unwrap();
    let ops = m["operators"].as_array().unwrap();
    let first_input = t(ints(&ops[0]["inputs"])[0]);
    let inputs = ints(&first_input["shape"])[1] as usize;
    let mut layers = Vec::new();
    for op in ops {
        let (ins, outs) = (ints(&op["inputs"]), ints(&op["outputs"]));
        let out = t(outs[0]);
        layers.push(match op["op"].as_str().unwrap() {
            "FULLY_CONNECTED" => {
                let (w, b) = (t(ins[1]), t(ins[2]));
                let shape = ints(&w["shape"]);
                let (units, n) = (shape[0] as usize, shape[1] as usize);
                let codes: Vec<i8> = ints(&w["data"]).into_iter().map(|v| v as i8).collect();
                let name = out["name"].as_str().unwrap();
                let activation = if name.contains("Relu6") {
                    QFused::Relu6
                } else if name.contains("Relu") {
                    QFused::Relu
                } else {
                    QFused::Linear
                };
                QLayerSpec::Dense {
                    inputs: n,
                    units,
                    activation,
                    weight: codes.chunks(n).map(<[i8]>::to_vec).collect(),
                    bias: ints(&b["data"]).into_iter().map(|v| v as i32).collect(),
                    weight_scale: floats(&w["scales"]),
                    output: qtensor(out),
                }
            }
            "LOGISTIC" => QLayerSpec::Sigmoid { output: qtensor(out) },
            "TANH" => QLayerSpec::Tanh { output: qtensor(out) },
            "SOFTMAX" => QLayerSpec::Softmax { beta: 1.0, output: qtensor(out) },
            other => panic!("operator {other} in a golden model"),
        });
    }
    QNet::new(inputs, qtensor(first_input), layers).unwrap()
}

/// Every output code of every golden row, from the interpreter's description of the model;
/// and the input codes from the float rows by TFLite's QUANTIZE rule.
#[test]
fn int8_codes_equal_tflite_on_every_row() {
    let mut total = 0;
    for name in MODELS {
        let doc = golden(name);
        let net = from_description(&doc);
        let mut mismatches = Vec::new();
        let rows = doc["rows"].as_array().unwrap();
        for (r, row) in rows.iter().enumerate() {
            let x = floats(&row["x"]);
            let x_q: Vec<i8> = ints(&row["x_q"]).into_iter().map(|v| v as i8).collect();
            assert_eq!(net.quantize_input(&x), x_q, "{name} row {r}: input codes");
            let want: Vec<i8> = ints(&row["y_q"]).into_iter().map(|v| v as i8).collect();
            let got = net.forward_codes(&x_q);
            let (deq, codes) = net.predict(&x);
            assert_eq!(codes, got, "{name} row {r}: predict's codes");
            if got == want {
                assert_eq!(deq, floats(&row["y_deq"]), "{name} row {r}: dequantised outputs");
            } else {
                mismatches.push((r, got, want));
            }
        }
        assert!(
            mismatches.is_empty(),
            "{name}: {} of {} rows differ: {:?}",
            mismatches.len(),
            rows.len(),
            &mismatches[..mismatches.len().min(5)]
        );
        total += rows.len();
    }
    assert_eq!(total, 600);
}

fn tflite(file: &str) -> Vec<u8> {
    std::fs::read(golden_dir().join(file)).unwrap()
}

/// The importer reads each int8 file as the interpreter described it (every code, scale,
/// zero point and fused activation), so its outputs are TFLite's on every row.
#[test]
fn imported_int8_models_are_the_interpreters() {
    for name in MODELS {
        let doc = golden(name);
        let Imported::Int8(net) = import(&tflite(&format!("{name}_int8.tflite"))).unwrap() else {
            panic!("{name}: an int8 file read as a float model")
        };
        assert_eq!(net, from_description(&doc), "{name}");
        for (r, row) in doc["rows"].as_array().unwrap().iter().enumerate() {
            let (_, codes) = net.predict(&floats(&row["x"]));
            let want: Vec<i8> = ints(&row["y_q"]).into_iter().map(|v| v as i8).collect();
            assert_eq!(codes, want, "{name} row {r}");
        }
    }
}

/// Distance in units in the last place between two finite `f32`s.
fn ulps(a: f32, b: f32) -> u32 {
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        if i < 0 { i32::MIN - i } else { i }
    };
    (key(a) as i64 - key(b) as i64).unsigned_abs() as u32
}

/// Imported float models agree with the interpreter's float outputs to f32 rounding. The
/// order of the dot products differs (tinymlp's canonical eight lanes against TFLite's
/// loop), which moves each sum by a few ulp of its terms: an output is compared in ulp of
/// `max(|y|, 1)` (sine: at most 8) or, for a sigmoid
/// output below 1, in ulp of itself (moons: at most 16). Below `e⁻⁹` TFLite's float
/// LOGISTIC returns `exp(x)` instead of `1 / (1 + exp(−x))` (its reference kernel's
/// cut-off), a relative difference of at most `e⁻⁹`; there the test allows that.
#[test]
fn imported_float_models_agree_to_f32_rounding() {
    let cutoff = (-9.0f32).exp();
    for name in ["moons_sigmoid", "sine", "sine_per_tensor"] {
        let doc = golden(name);
        let Imported::Float(net) = import(&tflite(&format!("{name}_f32.tflite"))).unwrap() else {
            panic!("{name}: a float file read as an int8 model")
        };
        let sigmoid = name.starts_with("moons");
        let (mut worst, mut tails) = (0u32, 0usize);
        for row in doc["rows"].as_array().unwrap() {
            let y = net.predict(&floats(&row["x"]));
            for (a, b) in y.iter().zip(floats(&row["y_f32"])) {
                if sigmoid && b < cutoff {
                    tails += 1;
                    assert!((a - b).abs() <= b * cutoff * 1.01, "{name}: {a} vs {b}");
                } else if sigmoid {
                    worst = worst.max(ulps(*a, b));
                } else {
                    worst = worst.max(((a - b).abs() / (f32::EPSILON * b.abs().max(1.0))).ceil() as u32);
                }
            }
        }
        eprintln!("{name}: at most {worst} ulp from TFLite ({tails} sigmoid outputs below e^-9)");
        assert!(worst <= if sigmoid { 32 } else { 16 }, "{name}: {worst} ulp from TFLite");
    }
}

/// The worst distance of a float model's outputs from the interpreter's, in ulp of
/// `max(|y|, 1)`.
fn worst_ulp(net: &tinymlp_net::Net, rows: &[Value], key: &str) -> u32 {
    let mut worst = 0u32;
    for row in rows {
        for (a, b) in net.predict(&floats(&row["x"])).iter().zip(floats(&row[key])) {
            worst = worst.max(((a - b).abs() / (f32::EPSILON * b.abs().max(1.0))).ceil() as u32);
        }
    }
    worst
}

/// A float model with fused ReLU6 (iris: tanh, ReLU6, softmax) agrees with the interpreter.
#[test]
fn relu6_in_a_float_model_is_read() {
    let doc = golden("iris_softmax");
    let Imported::Float(net) = import(&tflite("iris_softmax_f32.tflite")).unwrap() else {
        panic!("not float")
    };
    let relu6 = tinymlp_net::LayerSpec::Dense { units: 8, activation: tinymlp::Activation::Relu6 };
    assert_eq!(net.specs()[1], relu6);
    let worst = worst_ulp(&net, doc["rows"].as_array().unwrap(), "y_f32");
    eprintln!("iris_softmax: float at most {worst} ulp of max(|y|, 1) from TFLite");
    assert!(worst <= 16, "{worst}");
}

/// Keras' Normalization (SUB, MUL by constants) becomes the model's input scaler, on raw
/// wine features up to 1,680; a softmax whose beta is 0.5 is folded into the layer before
/// it; the int8 file's scaler is refused with the way round it.
#[test]
fn keras_normalization_and_softmax_beta_are_read() {
    let doc = golden("wine_normalized");
    let ops: Vec<&str> = doc["operators"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    assert_eq!(ops[..2], ["SUB", "MUL"], "{ops:?}");
    let rows = doc["rows"].as_array().unwrap();
    for (file, key) in
        [("wine_normalized_f32.tflite", "y_f32"), ("wine_normalized_beta_f32.tflite", "y_beta")]
    {
        let Imported::Float(net) = import(&tflite(file)).unwrap() else { panic!("{file}: not float") };
        let (mean, scale) = net.scaler();
        assert!(mean.iter().any(|&m| m > 100.0) && scale.iter().all(|&s| s > 0.0), "{mean:?} {scale:?}");
        let worst = worst_ulp(&net, rows, key);
        eprintln!("{file}: {} rows, at most {worst} ulp of max(|y|, 1) from TFLite", rows.len());
        assert!(worst <= 8, "{file}: {worst}");
    }
    // Beta changes the outputs: the two files are not read as the same model.
    let read = |f: &str| match import(&tflite(f)).unwrap() {
        Imported::Float(n) => n.predict(&floats(&rows[0]["x"])),
        Imported::Int8(_) => panic!("not float"),
    };
    assert_ne!(read("wine_normalized_f32.tflite"), read("wine_normalized_beta_f32.tflite"));
    // The int8 files' scaler (int8 SUB and MUL) is refused with its way round, whether the
    // file's inputs are int8 or float quantised by a leading QUANTIZE.
    for f in ["wine_normalized_int8.tflite", "wine_normalized_int8_float_io.tflite"] {
        let e = import(&tflite(f)).unwrap_err().to_string();
        assert!(e.contains("tinymlp quantize") && e.contains("(SUB)"), "{f}: {e}");
    }
}

#[test]
fn unsupported_operators_are_listed_with_their_positions() {
    match import(&tflite("unsupported_f32.tflite")) {
        Err(ImportError::Unsupported(ops)) => {
            let names: Vec<&str> = ops.iter().map(|(_, n)| n.as_str()).collect();
            assert!(names.contains(&"MUL") && names.contains(&"ADD"), "{ops:?}");
            let e = ImportError::Unsupported(ops.clone()).to_string();
            assert!(e.contains(&format!("#{} MUL", ops.iter().find(|o| o.1 == "MUL").unwrap().0)), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn files_that_are_not_tflite_are_refused() {
    for bytes in [&b""[..], b"{\"format\": \"tinymlp\"}", &[0u8; 64]] {
        assert!(matches!(import(bytes), Err(ImportError::NotTflite(_))));
    }
    let mut cut = tflite("sine_int8.tflite");
    cut.truncate(cut.len() / 2);
    assert!(import(&cut).is_err());
}

/// An int8 file with float input and output (QUANTIZE and DEQUANTIZE inside it): the
/// imported model's dequantised outputs are the interpreter's float outputs, bit for bit;
/// its float twin (softmax head) agrees with the interpreter to f32 rounding.
#[test]
fn float_interface_int8_and_softmax_float_models() {
    let doc = golden("wine_float_io");
    let ops: Vec<&str> = doc["operators"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    assert_eq!((ops.first(), ops.last()), (Some(&"QUANTIZE"), Some(&"DEQUANTIZE")), "{ops:?}");
    let Imported::Int8(q) = import(&tflite("wine_float_io_int8.tflite")).unwrap() else { panic!("not int8") };
    let Imported::Float(f) = import(&tflite("wine_float_io_f32.tflite")).unwrap() else {
        panic!("not float")
    };
    let rows = doc["rows"].as_array().unwrap();
    for (r, row) in rows.iter().enumerate() {
        assert_eq!(q.predict(&floats(&row["x"])).0, floats(&row["y_deq"]), "row {r}");
    }
    let worst = worst_ulp(&f, rows, "y_f32");
    eprintln!("wine_float_io: {} rows; float at most {worst} ulp of max(|y|, 1) from TFLite", rows.len());
    assert!(worst <= 16, "{worst}");
}

/// Damaged files: bytes changed at random in every golden `.tflite` file are refused with
/// an error or read as some model, never a panic (2,000 cases).
#[test]
fn damaged_files_never_panic() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tflite") {
            files.push(std::fs::read(&path).unwrap());
        }
    }
    let mut s = 0x9e37_79b9u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s as usize
    };
    for case in 0..2000 {
        let mut bytes = files[case % files.len()].clone();
        for _ in 0..1 + next() % 8 {
            let at = next() % bytes.len();
            bytes[at] = next() as u8;
        }
        if next() % 10 == 0 {
            bytes.truncate(next() % bytes.len());
        }
        let result = std::panic::catch_unwind(|| {
            import(&bytes).map(|m| match m {
                Imported::Int8(q) => q.forward_codes(&vec![0; q.inputs()]).len(),
                Imported::Float(f) => f.predict(&vec![0.0; f.inputs()]).len(),
            })
        });
        assert!(result.is_ok(), "case {case} panicked");
    }
}

/// Keras Reshape and Flatten: the operators that only compute their target shape (SHAPE,
/// STRIDED_SLICE, PACK) are skipped, the RESHAPEs are the identity on a row, and the int8
/// codes are the interpreter's on every row; the float twin agrees to f32 rounding.
#[test]
fn reshape_and_flatten_are_read() {
    let doc = golden("moons_reshape");
    let ops: Vec<&str> = doc["int8_model"]["operators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["op"].as_str().unwrap())
        .collect();
    assert!(ops.contains(&"SHAPE") && ops.contains(&"RESHAPE"), "{ops:?}");
    let Imported::Int8(q) = import(&tflite("moons_reshape_int8.tflite")).unwrap() else { panic!("not int8") };
    let Imported::Float(f) = import(&tflite("moons_reshape_f32.tflite")).unwrap() else {
        panic!("not float")
    };
    for (r, row) in doc["rows"].as_array().unwrap().iter().enumerate() {
        let want: Vec<i8> = ints(&row["y_q"]).into_iter().map(|v| v as i8).collect();
        assert_eq!(q.predict(&floats(&row["x"])).1, want, "row {r}");
        for (a, b) in f.predict(&floats(&row["x"])).iter().zip(floats(&row["y_f32"])) {
            // Below e^-9 TFLite's float LOGISTIC is exp(x) (see the float test above).
            let tail = if b < (-9.0f32).exp() { b * (-9.0f32).exp() * 1.01 } else { 0.0 };
            assert!(
                (a - b).abs() <= (32.0 * f32::EPSILON * b.abs().max(1e-3)).max(tail),
                "row {r}: {a} vs {b}"
            );
        }
    }
}
