//! `tinymlp` on tabular data of any shape: class names or numbers as labels, the label
//! column anywhere, many features; and every kind of bad input refused with a message that
//! names the file, line, column or layer.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

fn tinymlp(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinymlp")).args(args).current_dir(cwd).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(args: &[&str], cwd: &Path) -> String {
    let o = tinymlp(args, cwd);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// Runs a command that must fail with `want` in its message, and no panic.
fn fails(args: &[&str], cwd: &Path, want: &str) {
    let o = tinymlp(args, cwd);
    let e = stderr(&o);
    assert!(!o.status.success(), "{args:?} succeeded: {}", stdout(&o));
    assert!(e.contains(want), "{args:?}: want {want:?} in {e:?}");
    assert!(!e.contains("panicked"), "{e}");
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A deterministic value in [-1, 1) from two integers.
fn noise(i: usize, j: usize) -> f32 {
    let h = (i as u64 * 2_654_435_761 + j as u64 * 40_503 + 12_345) % 1_000_003;
    h as f32 / 500_001.5 - 1.0
}

/// Three species in the first column, four measurements: each species around its own
/// centre.
fn species_csv(rows: usize, offset: usize) -> String {
    let names = ["setosa", "versicolor", "virginica"];
    let centres = [[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.5, 2.0]];
    let mut s = String::from("species,sepal_length,sepal_width,petal_length,petal_width\n");
    for i in offset..offset + rows {
        let c = i % 3;
        write!(s, "{}", names[c]).unwrap();
        for (j, m) in centres[c].iter().enumerate() {
            write!(s, ",{:.3}", m + 0.25 * noise(i, j)).unwrap();
        }
        s.push('\n');
    }
    s
}

#[test]
fn three_string_classes_in_the_first_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("train.csv"), species_csv(150, 0)).unwrap();
    std::fs::write(d.join("test.csv"), species_csv(45, 1000)).unwrap();
    let out = ok(
        &[
            "train",
            "--train-csv",
            "train.csv",
            "--test-csv",
            "test.csv",
            "--label",
            "species",
            "--layers",
            "16:relu,bn,dropout:0.1,8:tanh",
            "--epochs",
            "40",
            "--seed",
            "3",
            "--out",
            "run",
        ],
        d,
    );
    assert!(
        out.contains("4 features (sepal_length, sepal_width, petal_length, petal_width), label `species`"),
        "{out}"
    );
    assert!(
        out.contains("task: multiclass classification, 3 classes: setosa, versicolor, virginica (inferred: the labels are text"),
        "{out}"
    );
    assert!(out.contains("layers 16:relu,bn,dropout:0.1,8:tanh,3:softmax"), "{out}");
    let r = json(&d.join("run/report.json"));
    assert_eq!(r["task"], "multiclass");
    assert_eq!(r["task_inferred"], true);
    assert!(r["test_accuracy"].as_f64().unwrap() > 0.9, "{r}");
    assert!(r["test_auc"].as_f64().unwrap() > 0.9, "{r}");
    let per_class = r["per_class"].as_array().unwrap();
    let names: Vec<&str> = per_class.iter().map(|c| c["class"].as_str().unwrap()).collect();
    assert_eq!(names, ["setosa", "versicolor", "virginica"]);
    assert!(per_class.iter().all(|c| c["support"] == 15 && c["f1"].is_number()));
    let cm: Vec<Vec<u64>> = serde_json::from_value(r["confusion_matrix"].clone()).unwrap();
    assert_eq!(cm.iter().flatten().sum::<u64>(), 45);
    assert!(r.get("test_mse").is_none());
    let meta = &json(&d.join("run/model.json"))["metadata"];
    assert_eq!(meta["classes"], serde_json::json!(["setosa", "versicolor", "virginica"]));
    assert_eq!(meta["features"][3], "petal_width");
    assert_eq!((meta["task"].as_str(), meta["label"].as_str()), (Some("multiclass"), Some("species")));

    // eval: the same figures as the report, in text and JSON.
    let text = ok(&["eval", "--model", "run/model.json", "--data", "test.csv"], d);
    assert!(text.starts_with("rows 45\n") && text.contains("(one-vs-rest, macro average)"), "{text}");
    assert!(text.contains("versicolor"), "{text}");
    let e: Value =
        serde_json::from_str(&ok(&["eval", "--model", "run/model.json", "--data", "test.csv", "--json"], d))
            .unwrap();
    assert_eq!(e["accuracy"], r["test_accuracy"]);
    assert_eq!(e["per_class"], r["per_class"]);

    // predict: without the label column, with the columns in another order.
    let shuffled: String = species_csv(6, 2000)
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{}\n", c[4], c[3], c[2], c[1])
        })
        .collect();
    std::fs::write(d.join("new.csv"), shuffled).unwrap();
    let p = ok(&["predict", "--model", "run/model.json", "--data", "new.csv"], d);
    let mut lines = p.lines();
    assert_eq!(
        lines.next().unwrap(),
        "sepal_length,sepal_width,petal_length,petal_width,class,p_setosa,p_versicolor,p_virginica"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6);
    let species = ["setosa", "versicolor", "virginica"];
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[4], species[(2000 + i) % 3], "{p}");
        let total: f32 = r[5..].iter().map(|v| v.parse::<f32>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    // summary --json
    let s: Value = serde_json::from_str(&ok(&["summary", "--model", "run/model.json", "--json"], d)).unwrap();
    assert_eq!((s["inputs"].as_u64(), s["outputs"].as_u64()), (Some(4), Some(3)));
    assert_eq!(s["classes"][2], "virginica");
    assert_eq!(s["layers"][0]["kind"], "normalization");
    assert_eq!(s["layers"].as_array().unwrap().len(), 6);

    // export keeps the metadata; the binary form has none (classes 0, 1, 2).
    ok(&["export", "--model", "run/model.json", "--format", "json", "--out", "copy.json"], d);
    assert_eq!(json(&d.join("copy.json"))["metadata"]["classes"], meta["classes"]);
    ok(&["export", "--model", "run/model.json", "--format", "bin", "--out", "m.bin"], d);
    let s: Value = serde_json::from_str(&ok(&["summary", "--model", "m.bin", "--json"], d)).unwrap();
    assert_eq!(
        (s["classes"].clone(), s["model_id"].clone()),
        (serde_json::json!(["0", "1", "2"]), r["model_id"].clone())
    );
    ok(&["export", "--model", "run/model.json", "--format", "rust", "--out", "m.rs"], d);
    assert!(std::fs::read_to_string(d.join("m.rs")).unwrap().contains("Dense<4, 16, K>"));
}

#[test]
fn a_regression_with_the_label_in_the_middle() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let csv = |rows: std::ops::Range<usize>| {
        let mut s = String::from("a,price,b,c,e\n");
        for i in rows {
            let (a, b, c, e) =
                (noise(i, 1) * 2.0, noise(i, 2) * 2.0, noise(i, 3), noise(i, 4) * 100.0 + 500.0);
            let y = 3.0 * a - 2.0 * b + c * c + 0.01 * (e - 500.0) + 10.0;
            writeln!(s, "{a:.4},{y:.4},{b:.4},{c:.4},{e:.2}").unwrap();
        }
        s
    };
    std::fs::write(d.join("train.csv"), csv(0..300)).unwrap();
    std::fs::write(d.join("test.csv"), csv(300..360)).unwrap();
    let out = ok(
        &[
            "train",
            "--train-csv",
            "train.csv",
            "--test-csv",
            "test.csv",
            "--label",
            "price",
            "--layers",
            "32:relu,16:elu",
            "--lr",
            "0.01",
            "--epochs",
            "60",
            "--seed",
            "1",
            "--out",
            "run",
        ],
        d,
    );
    assert!(out.contains("4 features (a, b, c, e), label `price`"), "{out}");
    assert!(
        out.contains("task: regression of `price` (inferred: the labels are numbers with fractions"),
        "{out}"
    );
    assert!(out.contains("layers 32:relu,16:elu:1,1:linear"), "{out}");
    let r = json(&d.join("run/report.json"));
    assert_eq!(r["task"], "regression");
    for k in ["test_mse", "test_rmse", "test_mae", "test_r2", "test_loss"] {
        assert!(r[k].is_number(), "{k}: {r}");
    }
    assert!(r["test_r2"].as_f64().unwrap() > 0.8, "{r}");
    let (mse, rmse) = (r["test_mse"].as_f64().unwrap(), r["test_rmse"].as_f64().unwrap());
    assert!((mse.sqrt() - rmse).abs() < 1e-12);
    assert!(r.get("test_accuracy").is_none() && r.get("per_class").is_none());
    let p = ok(&["predict", "--model", "run/model.json", "--data", "test.csv"], d);
    assert!(p.starts_with("a,b,c,e,predicted_price\n"), "{p}");
    assert_eq!(p.lines().count(), 61);
    let e: Value =
        serde_json::from_str(&ok(&["eval", "--model", "run/model.json", "--data", "test.csv", "--json"], d))
            .unwrap();
    assert_eq!(e["r2"], r["test_r2"]);
}

#[test]
fn the_label_column_is_label_else_the_last_and_integers_are_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut s = String::from("x,label,y\n");
    let mut t = String::from("x,y,kind\n");
    for i in 0..80 {
        let (x, y) = (noise(i, 0), noise(i, 1));
        let class = if x + y > 0.0 { 7 } else { 3 };
        writeln!(s, "{x},{class},{y}").unwrap();
        writeln!(t, "{x},{y},{class}").unwrap();
    }
    std::fs::write(d.join("a.csv"), &s).unwrap();
    std::fs::write(d.join("b.csv"), &t).unwrap();
    for (file, label) in [("a.csv", "label"), ("b.csv", "kind")] {
        let out =
            ok(&["train", "--model", "perceptron", "--train-csv", file, "--epochs", "5", "--out", label], d);
        assert!(out.contains(&format!("2 features (x, y), label `{label}`")), "{out}");
        assert!(out.contains("task: binary classification, 2 classes: 3, 7 (inferred: the labels are 2 distinct integers over 80 rows"), "{out}");
        assert!(out.contains("no test file: no test figures"), "{out}");
        let r = json(&d.join(label).join("report.json"));
        assert!(r["test_accuracy"].is_null() && r["test_auc"].is_null(), "{r}");
    }
    // --task overrides the inference.
    let out =
        ok(&["train", "--train-csv", "b.csv", "--task", "regression", "--epochs", "2", "--out", "reg"], d);
    assert!(out.contains("task: regression of `kind` (given)"), "{out}");
    // A two-feature multiclass model draws its regions.
    let mut m = String::from("u,v,zone\n");
    for i in 0..150 {
        let (u, v) = (noise(i, 5), noise(i, 6));
        let zone = if u > 0.3 {
            "east"
        } else if v > 0.0 {
            "north"
        } else {
            "south"
        };
        writeln!(m, "{u},{v},{zone}").unwrap();
    }
    std::fs::write(d.join("zones.csv"), m).unwrap();
    ok(&["train", "--train-csv", "zones.csv", "--epochs", "5", "--out", "zones"], d);
    let o = tinymlp(
        &["plot", "boundary", "--model", "zones/model.json", "--data", "zones.csv", "--out", "z.png"],
        d,
    );
    if o.status.success() {
        assert!(std::fs::metadata(d.join("z.png")).unwrap().len() > 1000);
    } else {
        assert!(stderr(&o).contains("no font found"), "{}", stderr(&o));
    }
}

#[test]
fn a_spec_file_sets_what_flags_cannot_and_flags_override_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("train.csv"), species_csv(90, 0)).unwrap();
    std::fs::write(
        d.join("spec.toml"),
        r#"
label = "species"
init = "he_normal"

[[layers]]
type = "dense"
units = 12
activation = "leaky_relu"
alpha = 0.1
init = "he_leaky:0.1"
l2 = 0.001

[[layers]]
type = "batch_norm"
momentum = 0.9

[output]
init = "glorot_normal"

[optimizer]
name = "nesterov"
lr = 0.05
momentum = 0.8

[training]
epochs = 50
batch_size = 16
validation_split = 0.3

[callbacks.early_stopping]
patience = 2
min_delta = 0.001

[callbacks.reduce_lr]
enabled = false
"#,
    )
    .unwrap();
    let out =
        ok(&["train", "--train-csv", "train.csv", "--spec", "spec.toml", "--epochs", "4", "--out", "run"], d);
    assert!(out.contains("layers 12:leaky_relu:0.1,bn:0.9:0.001,3:softmax"), "{out}");
    assert!(out.contains("training on 90 rows (27 for validation)"), "{out}");
    let o = &json(&d.join("run/report.json"))["options"];
    assert_eq!((o["epochs"].as_u64(), o["batch_size"].as_u64()), (Some(4), Some(16)));
    assert_eq!(o["optimizer"], "nesterov");
    assert_eq!(o["optimizer_settings"]["momentum"], 0.8);
    assert_eq!(o["layers"][0]["init"], "he_leaky:0.1");
    assert_eq!(o["layers"][0]["l2"], 0.001);
    assert_eq!(o["output_init"], "glorot_normal");
    assert_eq!(o["early_stopping"]["patience"], 2);
    assert!(o["reduce_lr"].is_null());
    assert_eq!(o["checkpoint"]["monitor"], "val_accuracy");
    // The same spec as JSON.
    std::fs::write(
        d.join("spec.json"),
        r#"{"label": "species", "layers": [{"type": "dense", "units": 4, "activation": "gelu"}], "training": {"epochs": 2}}"#,
    )
    .unwrap();
    let out = ok(&["train", "--train-csv", "train.csv", "--spec", "spec.json", "--out", "run2"], d);
    assert!(out.contains("layers 4:gelu,3:softmax") && out.contains("epochs run 2"), "{out}");
    // Errors name the line or the layer.
    std::fs::write(d.join("bad.toml"), "[training]\nepochs = 3\nepoch = 4\n").unwrap();
    fails(&["train", "--train-csv", "train.csv", "--spec", "bad.toml"], d, "line 3");
    std::fs::write(d.join("bad2.toml"), "[[layers]]\ntype = \"dense\"\nunits = 4\nactivation = \"swish\"\n")
        .unwrap();
    fails(
        &["train", "--train-csv", "train.csv", "--spec", "bad2.toml"],
        d,
        "bad2.toml: layers: layer 1 (`dense`): unknown activation `swish`",
    );
}

#[test]
fn bad_input_is_refused_with_where_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let w = |name: &str, text: &str| std::fs::write(d.join(name), text).unwrap();
    w("train.csv", &species_csv(60, 0));
    w("test.csv", &species_csv(30, 500));
    fn tr<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut v =
            vec!["train", "--train-csv", "train.csv", "--label", "species", "--epochs", "2", "--out", "run"];
        v.extend_from_slice(extra);
        v
    }
    // The label column does not exist.
    fails(
        &["train", "--train-csv", "train.csv", "--label", "kind"],
        d,
        "train.csv: no column named `kind` for the label",
    );
    // A class only in the test set.
    w("test_extra.csv", &format!("{}rosea,5,3,2,1\n", species_csv(6, 0)));
    fails(
        &tr(&["--test-csv", "test_extra.csv"]),
        d,
        "test_extra.csv, line 8, column `species`: class `rosea` is not one of the model's classes (`setosa`, `versicolor`, `virginica`)",
    );
    // No feature column.
    w("only_label.csv", "label\n0\n1\n");
    fails(&["train", "--train-csv", "only_label.csv"], d, "only_label.csv: no feature columns");
    // One class.
    w("one.csv", "a,b,label\n1,2,x\n3,4,x\n5,6,x\n");
    fails(
        &["train", "--train-csv", "one.csv"],
        d,
        "one.csv, column `label`: every row has the class `x`; a classifier needs at least 2 classes",
    );
    // More than 256 classes.
    let many: String = (0..300).map(|i| format!("{i},{},c{i}\n", i * 2)).collect();
    w("many.csv", &format!("a,b,label\n{many}"));
    fails(
        &["train", "--train-csv", "many.csv"],
        d,
        "many.csv, column `label`: 300 distinct classes; at most 256",
    );
    // An empty validation split.
    w("tiny.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,0\n");
    fails(&["train", "--train-csv", "tiny.csv"], d, "the validation split 0.2 of 3 training rows is empty");
    // Non-numeric, NaN and infinite features.
    w("text.csv", "a,b,label\n1,2,0\n3,four,1\n");
    fails(&["train", "--train-csv", "text.csv"], d, "text.csv, line 3, column `b`: \"four\" is not a number");
    w("nan.csv", "a,b,label\n1,2,0\nNaN,4,1\n");
    fails(&["train", "--train-csv", "nan.csv"], d, "nan.csv, line 3, column `a`: NaN is not a finite f32");
    w("inf.csv", "a,b,label\n1,2,0\n3,-inf,1\n");
    fails(&["train", "--train-csv", "inf.csv"], d, "inf.csv, line 3, column `b`: -inf is not a finite f32");
    // A bad layer.
    fails(
        &tr(&["--layers", "8:relu,dropout:2"]),
        d,
        "--layers: layer 2 (`dropout:2`): the dropout rate must be in [0, 1), got 2",
    );
    fails(
        &tr(&["--layers", "8:relu,4:swish"]),
        d,
        "--layers: layer 2 (`4:swish`): unknown activation `swish`",
    );
    // A regression of text.
    fails(
        &tr(&["--task", "regression"]),
        d,
        "train.csv, line 2, column `species`: \"setosa\" is not a number",
    );

    // A model of 4 inputs given 3 feature columns.
    ok(&tr(&[]), d);
    w("three.csv", "p,q,r,species\n1,2,3,setosa\n");
    fails(
        &["eval", "--model", "run/model.json", "--data", "three.csv"],
        d,
        "three.csv: the model takes 4 features (`sepal_length`, `sepal_width`, `petal_length`, `petal_width`), the file has 3 feature columns (`p`, `q`, `r`)",
    );
    fails(&["predict", "--model", "run/model.json", "--data", "three.csv"], d, "the model takes 4 features");
    fails(
        &["plot", "boundary", "--model", "run/model.json", "--data", "test.csv"],
        d,
        "plot boundary draws models of 2 features; this one takes 4",
    );
    // Scaled data for a model that scales raw data itself: a warning.
    let m = json(&d.join("run/model.json"));
    let (mean, scale) = (&m["scaler"]["mean"], &m["scaler"]["scale"]);
    let mut scaled = String::from("sepal_length,sepal_width,petal_length,petal_width,species\n");
    for line in species_csv(30, 500).lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let v: Vec<String> = (0..4)
            .map(|j| {
                let x: f64 = c[j + 1].parse().unwrap();
                format!("{:.4}", (x - mean[j].as_f64().unwrap()) / scale[j].as_f64().unwrap())
            })
            .collect();
        writeln!(scaled, "{},{}", v.join(","), c[0]).unwrap();
    }
    w("scaled.csv", &scaled);
    let o = tinymlp(&["eval", "--model", "run/model.json", "--data", "scaled.csv"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("warning: scaled.csv: column `sepal_length` has mean"), "{e}");
    assert!(e.contains("as if standardised already"), "{e}");
    let o = tinymlp(&["eval", "--model", "run/model.json", "--data", "test.csv"], d);
    assert!(o.status.success() && stderr(&o).is_empty(), "{}", stderr(&o));
}
