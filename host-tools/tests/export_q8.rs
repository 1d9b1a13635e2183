//! `tinymlp export --format rust` of int8 models: the generated modules, committed in
//! `tests/exported`, are compiled into this test and compared with TFLite's interpreter (the
//! golden output codes) and with the host's `QNet`, bit for bit.
//!
//! The committed sources must be what the exporter writes today; after a deliberate change
//! of the generated code, `TINYMLP_BLESS=1 cargo test -p tinymlp-host --test export_q8`
//! writes them again.

use serde_json::Value;
use std::path::{Path, PathBuf};
use tinymlp::quant::Portable;
use tinymlp_host::rust_q8::rust_source;
use tinymlp_host::tflite::{Imported, import};
use tinymlp_net::QNet;

// The generated sources are compared with the exporter's output as they are: not formatted.
#[rustfmt::skip]
#[path = "exported/iris_softmax_int8.rs"]
mod iris;
#[rustfmt::skip]
#[path = "exported/moons_sigmoid_scaled_int8.rs"]
mod moons;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

fn golden(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(format!("golden/tflite/{name}.json"))).unwrap()).unwrap()
}

fn imported(file: &str) -> QNet {
    match import(&std::fs::read(dir().join("golden/tflite").join(file)).unwrap()).unwrap() {
        Imported::Int8(q) => q,
        Imported::Float(_) => panic!("{file}: not int8"),
    }
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn codes(v: &Value) -> Vec<i8> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap() as i8).collect()
}

/// The source the exporter writes for `net` equals the committed file (or is written to it
/// with `TINYMLP_BLESS=1`).
fn check_source(net: &QNet, origin: &str, file: &str) {
    let path = dir().join("exported").join(file);
    let source = rust_source(net, origin);
    if std::env::var_os("TINYMLP_BLESS").is_some() {
        std::fs::write(&path, &source).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == source,
        "{}: not what the exporter writes (TINYMLP_BLESS=1 writes it)",
        path.display()
    );
}

#[test]
fn exported_softmax_model_gives_tflites_codes() {
    let q = imported("iris_softmax_int8.tflite");
    check_source(&q, "tests/golden/tflite/iris_softmax_int8.tflite", "iris_softmax_int8.rs");
    let m = iris::model::<Portable>();
    assert_eq!((iris::INPUTS, iris::OUTPUTS, iris::MODEL_ID), (q.inputs(), q.outputs(), q.id()));
    let doc = golden("iris_softmax");
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.len() >= 100);
    for (i, r) in rows.iter().enumerate() {
        // The interpreter's output codes for its input codes.
        let x_q: [i8; iris::INPUTS] = codes(&r["x_q"]).try_into().unwrap();
        let mut y = [0i8; iris::OUTPUTS];
        m.forward(&x_q, &mut y);
        assert_eq!(y.to_vec(), codes(&r["y_q"]), "row {i}: codes");
        // From real values: the host's QNet, outputs and codes.
        let x: [f32; iris::INPUTS] = floats(&r["x"]).try_into().unwrap();
        let (deq, c) = m.predict(&x);
        let (host_deq, host_c) = q.predict(&x);
        assert_eq!(c.to_vec(), host_c, "row {i}");
        assert_eq!(deq.map(f32::to_bits).to_vec(), host_deq.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }
}

#[test]
fn exported_model_with_a_float_scaler_equals_the_host() {
    // A sigmoid head (a table) and an input scaler kept in f32.
    let q = imported("moons_sigmoid_int8.tflite").with_scaler(&[0.5, 0.25], &[0.875, 0.5]).unwrap();
    check_source(
        &q,
        "tests/golden/tflite/moons_sigmoid_int8.tflite (scaled)",
        "moons_sigmoid_scaled_int8.rs",
    );
    let m = moons::model::<Portable>();
    assert_eq!((moons::MEAN, moons::SCALE, moons::MODEL_ID), ([0.5, 0.25], [0.875, 0.5], q.id()));
    let doc = golden("moons_sigmoid");
    let mut differ = 0;
    for r in doc["rows"].as_array().unwrap() {
        let x: [f32; moons::INPUTS] = floats(&r["x"]).try_into().unwrap();
        let (deq, c) = m.predict(&x);
        let (host_deq, host_c) = q.predict(&x);
        assert_eq!((c.to_vec(), deq.to_vec()), (host_c.clone(), host_deq));
        // The scaler changes the inputs, so the codes differ from the unscaled model's.
        differ += usize::from(host_c != codes(&r["y_q"]));
    }
    assert!(differ > 0, "the scaler is applied");
}

#[test]
fn the_command_writes_rust_for_int8_models_and_refuses_binary() {
    let d = tempfile::tempdir().unwrap();
    let model = d.path().join("iris8.json");
    std::fs::write(&model, imported("iris_softmax_int8.tflite").to_json(None)).unwrap();
    let run = |format: &str, out: &Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tinymlp"))
            .args(["export", "--model"])
            .arg(&model)
            .args(["--format", format, "--out"])
            .arg(out)
            .output()
            .unwrap()
    };
    let rs = d.path().join("m.rs");
    assert!(run("rust", &rs).status.success());
    assert!(std::fs::read_to_string(&rs).unwrap().contains("pub l0: DenseQ8<4, "));
    let bin = run("bin", &d.path().join("m.bin"));
    assert!(!bin.status.success());
    assert!(String::from_utf8_lossy(&bin.stderr).contains("JSON or Rust source"));
}
