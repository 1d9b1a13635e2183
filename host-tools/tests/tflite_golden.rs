//! TFLite's interpreter (reference kernels) against tinymlp's int8 inference, bit for bit,
//! on the golden files in `tests/golden/tflite` (see the README there for how they were made).

use serde_json::Value;
use std::path::PathBuf;
use tinymlp_net::{QFused, QLayerSpec, QNet, QTensor};

const MODELS: [&str; 3] = ["moons_sigmoid", "iris_softmax", "sine"];

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
    assert_eq!(total, 550);
}
