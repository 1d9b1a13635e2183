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
    assert!(text(&o).1.contains("JSON or Rust source"), "{:?}", text(&o));
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
    // The device fine-tunes f32 models only: `finetune` says so of an int8 one, before
    // building anything (`compare` and `bench` run it: tests/tests/int8_device.rs).
    let o = tinymlp(
        &["finetune", "--model", "m8.json", "--train-csv", "run/test.csv", "--test-csv", "run/test.csv"],
        d,
    );
    assert!(!o.status.success() && text(&o).1.contains("int8"), "{:?}", text(&o));
    assert!(!text(&o).0.contains("building the firmware"), "{:?}", text(&o));
    let o = tinymlp(
        &["quantize", "--model", "run/model.json", "--calibration", "missing.csv", "--out", "x.json"],
        d,
    );
    assert!(!o.status.success() && !text(&o).1.contains("panicked"));
}

/// A user's own CSV names an imported model's features, label and classes: the Keras
/// model on raw wine features (its `Normalization` read as the scaler) then evaluates on
/// the user's test file as it is, with the class names of its label column.
#[test]
fn import_takes_feature_and_class_names_from_the_users_data() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data");
    let (train, test) = (data.join("wine/train.csv"), data.join("wine/test.csv"));
    let (train, test) = (train.to_str().unwrap(), test.to_str().unwrap());
    let model = golden("wine_normalized_f32.tflite");
    let model = model.to_str().unwrap();
    let o = tinymlp(&["import", model, "--out", "wine.json", "--data", train, "--label", "class"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = tinymlp(&["eval", "--model", "wine.json", "--data", test, "--json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let figures: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(figures["accuracy"].as_f64().unwrap() > 0.9, "{figures}");
    let o = tinymlp(&["summary", "--model", "wine.json"], d);
    let summary = text(&o).0;
    assert!(summary.contains("classes class_0, class_1, class_2"), "{summary}");
    assert!(summary.contains("alcohol") && summary.contains("label class"), "{summary}");
    // Quantised, the raw features keep their scaler in f32 and the int8 model follows.
    let o = tinymlp(
        &["quantize", "--model", "wine.json", "--calibration", train, "--test", test, "--out", "w8.json"],
        d,
    );
    let out = text(&o).0;
    assert!(o.status.success() && out.contains("input scaler: kept in f32"), "{:?}", text(&o));
    let o = tinymlp(&["eval", "--model", "w8.json", "--data", test, "--json"], d);
    let figures: serde_json::Value = serde_json::from_str(&text(&o).0).unwrap();
    assert!(figures["accuracy"].as_f64().unwrap() > 0.9, "{figures}");
    let o = tinymlp(
        &["quantize", "--model", "wine.json", "--calibration", train, "--scaler", "fold", "--out", "f8.json"],
        d,
    );
    assert!(text(&o).0.contains("input scaler: folded"), "{:?}", text(&o));
    let o = tinymlp(&["summary", "--model", "w8.json"], d);
    assert!(text(&o).0.contains("input scaler: (x − mean) / scale"), "{:?}", text(&o));

    // Without names the model's classes are 0, 1, 2 and the user's labels do not match.
    let o = tinymlp(&["import", model, "--out", "bare.json"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = tinymlp(&["eval", "--model", "bare.json", "--data", test, "--label", "class"], d);
    assert!(!o.status.success() && text(&o).1.contains("not one of the model's classes"), "{:?}", text(&o));
    // Names that do not fit the model are refused.
    let o = tinymlp(&["import", model, "--out", "x.json", "--classes", "a,b"], d);
    assert!(text(&o).1.contains("2 classes (a, b) for a model with 3 outputs"), "{:?}", text(&o));
    let moons = data.join("moons/train.csv");
    let o = tinymlp(&["import", model, "--out", "x.json", "--data", moons.to_str().unwrap()], d);
    assert!(text(&o).1.contains("2 feature columns"), "{:?}", text(&o));
    assert!(!d.join("x.json").exists());
    let o = tinymlp(&["import", model, "--out", "named.json", "--classes", "barolo,grignolino,barbera"], d);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = tinymlp(&["summary", "--model", "named.json"], d);
    assert!(text(&o).0.contains("classes barolo, grignolino, barbera"), "{:?}", text(&o));
}
