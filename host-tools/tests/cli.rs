//! The `tinymlp` command as a user meets it: errors say what is wrong and where, and the
//! exit status is non-zero; a short training run writes its files.

use std::path::Path;
use std::process::{Command, Output};

fn tinymlp(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tinymlp")).args(args).current_dir(cwd).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn data_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("good.csv"), "x0,x1,label\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.5,1\n").unwrap();
    std::fs::write(d.join("cols.csv"), "x0,x1,label\n0.1,0.2,0\n0.3,1\n").unwrap();
    std::fs::write(d.join("nan.csv"), "x0,x1,label\n0.1,0.2,0\n0.3,zero,1\n").unwrap();
    let cases = [
        (vec!["--train-csv", "missing.csv", "--test-csv", "good.csv"], "cannot read missing.csv"),
        (
            vec!["--train-csv", "cols.csv", "--test-csv", "good.csv"],
            "cols.csv, line 3: expected 3 columns, found 2",
        ),
        (
            vec!["--train-csv", "nan.csv", "--test-csv", "good.csv"],
            "nan.csv, line 3, column `x1`: \"zero\" is not a number",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["train", "--epochs", "1"];
        all.extend(args);
        let o = tinymlp(&all, d);
        assert!(!o.status.success());
        assert!(stderr(&o).contains(want), "want {want:?} in {:?}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
}

#[test]
fn train_writes_its_files_and_other_commands_read_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o =
        tinymlp(&["train", "--model", "perceptron", "--epochs", "3", "--samples", "200", "--out", "run"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["model.json", "history.csv", "history.json", "report.json", "test.csv"] {
        assert!(d.join("run").join(f).exists(), "{f}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/report.json")).unwrap()).unwrap();
    for key in ["test_accuracy", "test_auc", "test_loss", "epochs_run", "best_epoch"] {
        assert!(report.get(key).is_some(), "{key}");
    }
    assert_eq!(report["epochs_run"], 3);
    let o = tinymlp(&["eval", "--model", "run/model.json", "--data", "run/test.csv"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("rows 40"));
    // Exports round-trip: the binary file evaluates to the same numbers.
    let o = tinymlp(&["export", "--model", "run/model.json", "--format", "bin", "--out", "m.bin"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "wrote m.bin (binary model file)");
    let a = tinymlp(&["eval", "--model", "run/model.json", "--data", "run/test.csv"], d);
    let b = tinymlp(&["eval", "--model", "m.bin", "--data", "run/test.csv"], d);
    assert_eq!(a.stdout, b.stdout);
    // A model of another architecture as the starting point of an MLP run.
    let o = tinymlp(
        &["train", "--model", "mlp", "--init", "run/model.json", "--epochs", "1", "--samples", "100"],
        d,
    );
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("run/model.json") && e.contains("in the file and"), "{e}");
    // A broken model file.
    std::fs::write(d.join("bad.json"), "{\"format\": \"tinymlp\", \"version\": 1, \"layers\": [").unwrap();
    let o = tinymlp(&["summary", "--model", "bad.json"], d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("bad.json: malformed JSON"), "{}", stderr(&o));
    // Plots.
    let o = tinymlp(&["plot", "history", "--history", "run/history.csv", "--out", "h.png"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(d.join("h.png")).unwrap().len() > 1000);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "wrote h.png");
}

/// `plot data` draws any CSV of two features with any label column and any number of
/// classes, two features of a wider file picked by name, and refuses a wider file without
/// them with the columns it found.
#[test]
fn plot_data_draws_two_features_of_any_classes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: String = (0..30).map(|i| format!("{},{},{}\n", i % 7, i % 5, ["a", "b", "c"][i % 3])).collect();
    std::fs::write(d.join("three.csv"), format!("u,v,kind\n{rows}")).unwrap();
    let o = tinymlp(&["plot", "data", "--data", "three.csv", "--label", "kind", "--out", "p.png"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "wrote p.png");
    assert!(std::fs::metadata(d.join("p.png")).unwrap().len() > 1000);
    std::fs::write(d.join("wide.csv"), "a,b,c,label\n1,2,3,0\n2,3,4,1\n").unwrap();
    let o = tinymlp(&["plot", "data", "--data", "wide.csv", "--out", "w.png"], d);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("wide.csv: plot data draws two features; this file has 3"), "{}", stderr(&o));
    assert!(stderr(&o).contains("--features X,Y"), "{}", stderr(&o));
    // Two of the three, by name; an unknown name is refused with the columns there are.
    let o = tinymlp(&["plot", "data", "--data", "wide.csv", "--features", "c,a", "--out", "w.png"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::metadata(d.join("w.png")).unwrap().len() > 1000);
    let o = tinymlp(&["plot", "data", "--data", "wide.csv", "--features", "c,z", "--out", "z.png"], d);
    assert!(
        !o.status.success() && stderr(&o).contains("no feature column `z` (the features: a, b, c)"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("z.png").exists());
}

/// The callbacks speak as Keras' do, on the terminal and in history.json.
/// An experiment whose training runs callbacks prints what they did as it trains, as
/// `tinymlp train` does, naming the model.
#[test]
fn experiments_say_what_their_callbacks_did() {
    let dir = tempfile::tempdir().unwrap();
    let o = tinymlp(&["experiment", "perceptron-vs-mlp", "--quick", "--out", "e"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let first = out.lines().next().unwrap_or_default();
    assert!(first.starts_with("MLP: Epoch 1: val_auc improved from -inf to "), "{out}");
    let header = out.lines().position(|l| l == "== perceptron-vs-mlp ==").expect("the table's header");
    assert!(
        out.lines().take(header).all(|l| l.starts_with("MLP: Epoch ") || l.starts_with("MLP: Restoring")),
        "{out}"
    );
}

#[test]
fn train_says_what_its_callbacks_did() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = tinymlp(&["train", "--epochs", "4", "--samples", "300", "--seed", "1", "--out", "run"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Model: \"model\""), "{out}");
    assert!(out.contains("Epoch 1: val_auc improved from -inf to "), "{out}");
    assert!(out.contains("checkpoint.json"), "{out}");
    let h: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("run/history.json")).unwrap()).unwrap();
    let first = h[0]["events"][0].as_str().unwrap();
    assert!(first.starts_with("Epoch 1: val_auc improved from -inf"), "{first}");
    assert_eq!(h[0]["epoch"], 1);
}

#[test]
fn unknown_board_is_refused_with_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let o = tinymlp(&["compare", "--board", "esp32"], dir.path());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown board \"esp32\"; choose one of mps2-an386"), "{}", stderr(&o));
}

#[test]
fn speed_writes_the_rows_of_its_workloads() {
    let dir = tempfile::tempdir().unwrap();
    let o = tinymlp(&["speed", "--runs", "1", "--json", "--moons-csv", "moons.csv"], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    let figures: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(figures["seed_mlp_epoch"].as_f64().unwrap() > 0.0);
    let rows = tinymlp_host::data::read_csv::<2>(&dir.path().join("moons.csv"), 2).unwrap();
    assert_eq!(rows, tinymlp_host::speed::workload_moons());
    assert_eq!(rows.len(), 1600);
}

/// Output into a pipe whose reader has gone (`tinymlp summary … | head -1`) ends the
/// program quietly, as SIGPIPE ends `cat`, rather than with a panic on stderr.
#[test]
fn a_closed_pipe_ends_the_program_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_tinymlp"))
        .args(["summary", "--model", "firmware/models/moons-mlp.json"])
        .current_dir(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes before the first line is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc_sigpipe()), "{:?}", out.status);
}

/// SIGPIPE's number on Linux and the BSDs.
fn libc_sigpipe() -> i32 {
    13
}
