//! Int8 models through the `tinymlp` command: `import`, `quantize`, `predict`, `eval`,
//! `summary` and `export`, checked against the TFLite golden files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tinymlp(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinymlp")).args(args).current_dir(cwd).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn golden(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tflite").join(file)
}

/// `import` then `predict` on the golden rows: the `q0` column is TFLite's output code and
/// `p_1` its dequantised value, on every row; `eval`'s accuracy is the one of those codes.
#[test]
fn an_imported_int8_model_predicts_tflites_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(golden("moons_sigmoid.json")).unwrap()).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    // The golden rows are the first rows of the moons test split: their labels are there.
    let test =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/moons/test.csv"))
            .unwrap();
    let labels: Vec<&str> =
        test.lines().skip(1).map(|l| l.rsplit(',').next().unwrap()).take(rows.len()).collect();
    let mut csv = String::from("x0,x1,label\n");
    for (r, l) in rows.iter().zip(&labels) {
        let x = r["x"].as_array().unwrap();
        csv += &format!("{},{},{l}\n", x[0], x[1]);
    }
    std::fs::write(d.join("rows.csv"), csv).unwrap();
    let model = golden("moons_sigmoid_int8.tflite");
    let o = tinymlp(&["import", model.to_str().unwrap(), "--out", "m8.json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("int8 model, 2 inputs, 1 outputs"), "{:?}", text(&o));

    let o = tinymlp(&["predict", "--model", "m8.json", "--data", "rows.csv"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let out = text(&o).0;
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("x0,x1,class,p_0,p_1,q0"));
    let mut right = 0;
    for ((line, r), l) in lines.zip(rows).zip(&labels) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[5], r["y_q"][0].to_string(), "{line}");
        assert_eq!(cells[4].parse::<f32>().unwrap(), r["y_deq"][0].as_f64().unwrap() as f32, "{line}");
        let class = if r["y_deq"][0].as_f64().unwrap() > 0.5 { "1" } else { "0" };
        assert_eq!(cells[2], class);
        right += usize::from(class == *l);
    }
    let o = tinymlp(&["eval", "--model", "m8.json", "--data", "rows.csv", "--json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let figures: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    let accuracy = figures["accuracy"].as_f64().unwrap();
    assert!((accuracy - right as f64 / rows.len() as f64).abs() < 1e-6, "{figures}");

    let o = tinymlp(&["summary", "--model", "m8.json", "--json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let s: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    // 2·64 + 64·32 + 32·16 + 16·1 weight codes and 113 i32 biases.
    assert_eq!(s["memory_bytes"]["parameters"], 2704 + 4 * 113);
    assert_eq!(s["layers"].as_array().unwrap().len(), 5);

    let o = tinymlp(&["export", "--model", "m8.json", "--format", "bin", "--out", "m8.bin"], d);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("JSON only"), "{:?}", text(&o));
    let o = tinymlp(&["export", "--model", "m8.json", "--format", "json", "--out", "again.json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(std::fs::read(d.join("m8.json")).unwrap(), std::fs::read(d.join("again.json")).unwrap());
}

/// `quantize` on a freshly trained model: it reports both models and writes an int8 model
/// the other commands read.
#[test]
fn quantize_writes_an_int8_model_the_commands_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o =
        tinymlp(&["train", "--model", "perceptron", "--epochs", "3", "--samples", "200", "--out", "run"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = tinymlp(
        &[
            "quantize",
            "--model",
            "run/model.json",
            "--calibration",
            "run/test.csv",
            "--test",
            "run/test.csv",
            "--out",
            "m8.json",
        ],
        d,
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let out = text(&o).0;
    assert!(
        out.contains("parameters: f32") && out.contains("test (") && out.contains("accuracy f32"),
        "{out}"
    );
    let o = tinymlp(&["eval", "--model", "m8.json", "--data", "run/test.csv"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("accuracy"));
    // The device runs f32 models: `compare` says so of an int8 one, before building anything.
    let o = tinymlp(&["compare", "--model", "m8.json", "--data", "run/test.csv"], d);
    assert!(!o.status.success() && text(&o).1.contains("an int8 model"), "{:?}", text(&o));
    let o = tinymlp(
        &["quantize", "--model", "run/model.json", "--calibration", "missing.csv", "--out", "x.json"],
        d,
    );
    assert!(!o.status.success() && !text(&o).1.contains("panicked"));
}
