//! Bad models, bad data and diverging runs: each ends in a clear error (non-zero status,
//! the row or epoch named) or a warning, never a NaN figure, a hang or a truncated file.
//!
//! `TINYMLP_BIN` runs the tests against another build of the command.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> PathBuf {
    std::env::var_os("TINYMLP_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tinymlp")), PathBuf::from)
}

/// Runs the command, killing it after `limit`.
fn run_for(args: &[&str], cwd: &Path, limit: Duration) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            let o = child.wait_with_output().unwrap();
            panic!("{args:?} still running after {limit:?}: {}", String::from_utf8_lossy(&o.stdout));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn run(args: &[&str], cwd: &Path) -> Output {
    run_for(args, cwd, Duration::from_secs(120))
}

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn ok(args: &[&str], cwd: &Path) -> Output {
    let o = run(args, cwd);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    o
}

/// Runs a command that must fail with every one of `want` in its message, and no panic.
fn fails(args: &[&str], cwd: &Path, want: &[&str]) -> Output {
    let o = run(args, cwd);
    let e = text(&o.stderr);
    assert!(!o.status.success(), "{args:?} succeeded: {}", text(&o.stdout));
    for w in want {
        assert!(e.contains(w), "{args:?}: want {w:?} in {e:?}");
    }
    assert!(!e.contains("panicked"), "{e}");
    o
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A quickly trained moons model (`mlp` or `perceptron`) in `dir/name`.
fn moons_model(dir: &Path, model: &str, name: &str) -> PathBuf {
    ok(&["train", "--model", model, "--epochs", "2", "--samples", "200", "--out", name], dir);
    dir.join(name).join("model.json")
}

/// The model with its output layer's weights set to ±3e38.
fn huge_weights(dir: &Path) -> PathBuf {
    let m = moons_model(dir, "perceptron", "p");
    let mut doc = json(&m);
    let layers = doc["layers"].as_array_mut().unwrap();
    let last = layers.last_mut().unwrap();
    last["weight"] = serde_json::json!([[3e38, 3e38]]);
    let p = dir.join("huge.json");
    std::fs::write(&p, serde_json::to_string(&doc).unwrap()).unwrap();
    p
}

#[test]
fn huge_weights_are_an_error_naming_the_row_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    huge_weights(d);
    std::fs::write(d.join("rows.csv"), "x0,x1,label\n0.1,0.2,0\n5,5,1\n").unwrap();
    let o = fails(
        &["predict", "--model", "huge.json", "--data", "rows.csv", "--out", "pred.csv"],
        d,
        &["rows.csv, line 3", "not finite"],
    );
    assert!(!text(&o.stdout).contains("NaN"));
    assert!(!d.join("pred.csv").exists(), "a failed predict leaves no partial file");
    let o = fails(
        &["eval", "--model", "huge.json", "--data", "rows.csv"],
        d,
        &["rows.csv, line 3", "not finite"],
    );
    assert!(!text(&o.stdout).contains("NaN"));
    let o = ok(&["summary", "--model", "p/model.json"], d);
    assert!(!text(&o.stderr).contains("can overflow"), "{}", text(&o.stderr));
    let o = ok(&["summary", "--model", "huge.json"], d);
    assert!(text(&o.stderr).contains("can overflow"), "{}", text(&o.stderr));
}

#[test]
fn an_overflowing_row_is_an_error_not_a_nan_loss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d, "mlp", "m");
    std::fs::write(d.join("rows.csv"), "x0,x1,label\n0.5,0.25,1\n1e38,-1e38,1\n").unwrap();
    // The MLP's logit for this row may stay finite (then the loss saturates); either way no NaN.
    let o = run(&["eval", "--model", "m/model.json", "--data", "rows.csv"], d);
    assert!(!text(&o.stdout).contains("NaN"), "{}", text(&o.stdout));
    if !o.status.success() {
        assert!(text(&o.stderr).contains("rows.csv, line 3"), "{}", text(&o.stderr));
    }
    // A perceptron of weights 1e10 overflows on it: an error naming the row.
    let m = moons_model(d, "perceptron", "p");
    let mut doc = json(&m);
    doc["layers"][0]["weight"] = serde_json::json!([[1e10, -1e10]]);
    std::fs::write(d.join("big.json"), serde_json::to_string(&doc).unwrap()).unwrap();
    let o =
        fails(&["eval", "--model", "big.json", "--data", "rows.csv"], d, &["rows.csv, line 3", "not finite"]);
    assert!(!text(&o.stdout).contains("NaN"));
}

#[test]
fn a_diverging_run_writes_its_last_finite_model_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/moons");
    let (train, test) = (data.join("train_raw.csv"), data.join("test_raw.csv"));
    for (out, extra) in [
        ("gen", vec![]),
        ("csv", vec!["--train-csv", train.to_str().unwrap(), "--test-csv", test.to_str().unwrap()]),
    ] {
        let mut args = vec!["train", "--lr", "100", "--optimizer", "sgd", "--epochs", "20", "--out", out];
        args.extend(extra);
        fails(&args, d, &["training stopped at epoch", "batch", "model.json"]);
        let m = d.join(out).join("model.json");
        assert!(m.exists(), "{out}: no model written");
        // The model written reads back and scores without NaN.
        let o = ok(&["summary", "--model", m.to_str().unwrap()], d);
        assert!(!text(&o.stdout).contains("NaN"));
        let r = json(&d.join(out).join("report.json"));
        assert!(r["failure"].as_str().unwrap().contains("epoch"), "{r}");
    }
    let o = run(&["train", "--optimizer", "adam", "--lr", "1e6", "--out", "adam"], d);
    let e = text(&o.stderr);
    assert!(!o.status.success() || e.contains("warning:"), "no warning: {e}");
}

#[test]
fn plot_boundary_refuses_a_range_beyond_f32_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d, "perceptron", "p");
    std::fs::write(d.join("far.csv"), "x0,x1,label\n-3e38,0,0\n3e38,1,1\n").unwrap();
    let o = run_for(
        &["plot", "boundary", "--model", "p/model.json", "--data", "far.csv", "--out", "b.png"],
        d,
        Duration::from_secs(60),
    );
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("beyond f32"), "{}", text(&o.stderr));
}

#[test]
fn degenerate_data_is_refused_or_reported_undefined() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    moons_model(d, "perceptron", "p");
    std::fs::write(d.join("one.csv"), "x0,x1,label\n0.1,0.2,1\n0.3,0.4,1\n").unwrap();
    let o = ok(&["eval", "--model", "p/model.json", "--data", "one.csv", "--json"], d);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["auc"].is_null() && j["auc_note"].as_str().unwrap().contains("undefined"), "{j}");
    assert!(!text(&o.stdout).contains("NaN"));
    let o = ok(&["eval", "--model", "p/model.json", "--data", "one.csv"], d);
    assert!(text(&o.stdout).contains("auc undefined"), "{}", text(&o.stdout));
    // Four training rows leave no validation row for the callbacks.
    std::fs::write(d.join("four.csv"), "a,b,label\n0,1,0\n1,0,1\n0,2,0\n2,0,1\n").unwrap();
    fails(&["train", "--train-csv", "four.csv", "--out", "f"], d, &["validation split"]);
    for noise in ["nan", "1e38", "-1", "inf"] {
        fails(
            &["train", &format!("--noise={noise}"), "--epochs", "1", "--out", "n"],
            d,
            &["--noise must be a number in [0, 10]"],
        );
    }
}

#[test]
fn summary_counts_the_parameters_of_a_network_built_at_run_time() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let m = moons_model(d, "mlp", "m");
    let o = ok(&["summary", "--model", m.to_str().unwrap(), "--json"], d);
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    // 2-64-BN-32-BN-16-1: dense 192 + 2080 + 528 + 17, BatchNorm γ, β 128 + 64.
    let trainable = 192 + 2080 + 528 + 17 + 128 + 64;
    assert_eq!(j["trainable"], trainable, "{j}");
    assert_eq!(j["memory_bytes"]["parameters"], 4 * trainable, "{j}");
    assert_eq!(j["memory_bytes"]["adam_state"], 8 * trainable, "{j}");
}

/// A regression whose target is far from 0 and widely spread learns it in its own units:
/// the saved model answers in them.
#[test]
fn a_regression_of_a_large_target_learns_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut s = String::from("a,b,y\n");
    for i in 0..300 {
        let (a, b) = ((i % 17) as f32 / 17.0, (i % 23) as f32 / 23.0);
        s += &format!("{a},{b},{}\n", 5000.0 + 2000.0 * a - 1000.0 * b);
    }
    std::fs::write(d.join("r.csv"), &s).unwrap();
    ok(
        &[
            "train",
            "--train-csv",
            "r.csv",
            "--test-csv",
            "r.csv",
            "--task",
            "regression",
            "--layers",
            "16:relu",
            "--seed",
            "0",
            "--out",
            "r",
        ],
        d,
    );
    let r = json(&d.join("r/report.json"));
    assert!(r["test_r2"].as_f64().unwrap() > 0.95, "{r}");
}
