//! `tinymlp train`: any MLP on any tabular CSV (or the tutorial's moons, generated).

use anyhow::{Context, Result, bail, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::path::PathBuf;
use tinymlp_host::events::{Event, history_entries};
use tinymlp_host::model_io::{self, FileFormat, Model};
use tinymlp_host::plan::Plan;
use tinymlp_host::report::{write_history_csv, write_json};
use tinymlp_host::score::{self, Truth, figures_json};
use tinymlp_host::spec::{SpecFile, parse_layers};
use tinymlp_host::stream::{self, Answer};
use tinymlp_host::table::{self, Columns, LabelColumn, Table, Task, TaskKind, read_table};
use tinymlp_host::train::{
    EpochRecord, ModelKind, OptimizerKind, describe_specs, fit_with_events, layer_specs,
};
use tinymlp_net::Net;

#[derive(clap::Args)]
pub struct Args {
    /// The preset whose recipe gives the defaults: `mlp` (the tutorial's MLP: its hidden
    /// layers, Adam 1e-3, early stopping, learning-rate reduction, checkpoint) or
    /// `perceptron` (no hidden layer, SGD 0.01, 50 epochs).
    #[arg(long, value_enum, default_value = "mlp")]
    model: ModelKind,
    /// Training CSV: a header row, feature columns and a label column. Without it, moons
    /// are generated.
    #[arg(long)]
    train_csv: Option<PathBuf>,
    /// Test CSV with the same columns. Without it, the run has no test figures.
    #[arg(long, requires = "train_csv")]
    test_csv: Option<PathBuf>,
    /// The label column (default: the column named `label`, else the last one).
    #[arg(long)]
    label: Option<String>,
    /// What the label is (default: inferred from the training labels, and said).
    #[arg(long, value_enum)]
    task: Option<TaskKind>,
    /// Hidden layers, e.g. `64:relu,bn,dropout:0.3,32:relu` (the output layer follows
    /// from the task).
    #[arg(long)]
    layers: Option<String>,
    /// A spec file (JSON, or TOML by its `.toml` name): layers with initialisers and L2,
    /// optimiser, training and callback settings. Flags override it.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Seed of weights, shuffling, dropout (and of generated data) [default: 42].
    #[arg(long)]
    seed: Option<u64>,
    /// Epochs at most (default: the recipe's, 50 for the perceptron, 200 for the MLP).
    #[arg(long)]
    epochs: Option<u32>,
    /// Rows per step [default: 32].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Learning rate (default: the recipe's).
    #[arg(long)]
    lr: Option<f32>,
    /// Optimiser (default: the recipe's, SGD for the perceptron, Adam for the MLP).
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerKind>,
    /// Fraction of the training rows (the last ones) held out for validation [default: 0.2].
    #[arg(long)]
    validation_split: Option<f64>,
    /// Continue from a saved model of the same layers and task.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Directory for the model, history and report.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Generated moons: number of samples.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Generated moons: the standard deviation of the Gaussian noise added to each
    /// coordinate, in [0, 10].
    #[arg(long, default_value_t = 0.2)]
    noise: f32,
}

/// The largest `--noise` of generated moons: the moons are 1 apart, so beyond this the
/// data is noise.
const MAX_NOISE: f32 = 10.0;

/// One epoch's figures, as the progress shows them.
fn epoch_line(r: &EpochRecord) -> String {
    let f = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    format!(
        "loss {:.4} accuracy {} val_loss {} val_accuracy {} val_auc {} lr {:.2e}",
        r.loss,
        f(r.accuracy),
        f(r.val_loss),
        f(r.val_accuracy),
        f(r.val_auc),
        r.lr
    )
}

/// Generated moons as tables (features `x0`, `x1`, label `label`).
fn moons_tables(samples: usize, noise: f32, seed: u64) -> (Table, Table) {
    let (train, test) = tinymlp_host::data::moons(samples, noise, seed);
    let to = |d: &tinymlp_host::data::Labelled<2>, name: &str| Table {
        path: PathBuf::from(name),
        features: vec!["x0".into(), "x1".into()],
        x: d.x.iter().map(|r| r.to_vec()).collect(),
        label: Some(LabelColumn {
            name: "label".into(),
            values: d.label.iter().map(|l| l.to_string()).collect(),
        }),
        lines: (0..d.len() as u64).map(|i| i + 2).collect(),
    };
    (to(&train, "generated moons (training)"), to(&test, "generated moons (test)"))
}

fn names(v: &[String]) -> String {
    let shown: Vec<&str> = v.iter().take(8).map(String::as_str).collect();
    if v.len() > 8 { format!("{}, … ({} in all)", shown.join(", "), v.len()) } else { shown.join(", ") }
}

/// Trains, then writes the model, its history, the test rows and the report into `--out`.
pub fn run(a: Args) -> Result<()> {
    let spec = match &a.spec {
        Some(p) => Some((p.clone(), SpecFile::read(p)?)),
        None => None,
    };
    let mut plan = Plan::recipe(a.model, 42);
    if let Some((p, s)) = &spec {
        plan.apply_spec(s, p)?;
    }
    if let Some(s) = a.seed {
        plan.seed = s;
    }
    if let Some(e) = a.epochs {
        plan.epochs = e;
    }
    if let Some(b) = a.batch_size {
        plan.batch_size = b;
    }
    if let Some(o) = a.optimizer {
        plan.set_optimizer(o);
    }
    if let Some(lr) = a.lr {
        super::check_lr(lr)?;
        plan.set_lr(lr);
    }
    if let Some(v) = a.validation_split {
        plan.validation_split = v;
    }
    if let Some(l) = &a.layers {
        plan.layers = parse_layers(l)?;
    }
    let label_flag = a.label.clone().or_else(|| spec.as_ref().and_then(|(_, s)| s.label.clone()));

    // The data.
    let (train_set, test_set) = match &a.train_csv {
        Some(tr) => {
            let train = read_table(tr, Columns::Training { label: label_flag.as_deref() })?;
            let label = train.labels()?.name.clone();
            let test = match &a.test_csv {
                Some(te) => Some(read_table(
                    te,
                    Columns::Model {
                        features: &train.features,
                        model_label: &label,
                        label_flag: label_flag.as_deref(),
                        need_label: true,
                    },
                )?),
                None => None,
            };
            (train, test)
        }
        None => {
            ensure!(a.samples >= 10, "--samples must be at least 10");
            ensure!(
                a.noise.is_finite() && (0.0..=MAX_NOISE).contains(&a.noise),
                "--noise must be a number in [0, {MAX_NOISE}] (the standard deviation of the Gaussian noise added to each coordinate), got {}",
                a.noise
            );
            let (tr, te) = moons_tables(a.samples, a.noise, plan.seed);
            (tr, Some(te))
        }
    };
    let labels = train_set.labels()?;
    println!(
        "data: {} training rows, {} features ({}), label `{}`; {}",
        train_set.len(),
        train_set.features.len(),
        names(&train_set.features),
        labels.name,
        match &test_set {
            Some(t) => format!("{} test rows", t.len()),
            None => "no test file: no test figures (validation figures are in history.csv)".into(),
        }
    );

    // The task.
    let given = a.task.or_else(|| spec.as_ref().and_then(|(_, s)| s.task));
    let (kind, why) = match given {
        Some(k) => (k, "given".to_string()),
        None => {
            let (k, why) = table::infer_task(labels);
            (k, format!("inferred: {why}; --task sets it"))
        }
    };
    let (task, classes) = match kind {
        TaskKind::Classification => {
            let classes = table::classes_of(&train_set.path, labels)?;
            (Task::of(kind, classes.len()), classes)
        }
        TaskKind::Regression => (Task::Regression, Vec::new()),
    };
    match task {
        Task::Regression => println!("task: regression of `{}` ({why})", labels.name),
        _ => println!(
            "task: {} classification, {} classes: {} ({why})",
            task.name(),
            classes.len(),
            names(&classes)
        ),
    }
    let train_truth = Truth::of(&train_set, task, &classes)?;
    let test_truth = match &test_set {
        Some(t) => Some(Truth::of(t, task, &classes)?),
        None => None,
    };
    plan.for_task(task);
    let outputs = task.outputs(classes.len());
    let specs = layer_specs(&plan, task, outputs);
    let inputs = train_set.features.len();
    let net = Net::new(inputs, &specs).map_err(|e| anyhow::anyhow!("the network: {e}"))?;
    println!("network: {inputs} inputs, layers {} ({:?} loss)", describe_specs(&specs), task.loss());
    let (fit_rows, val_rows) = plan.check(task, train_set.len()).map_err(|e| anyhow::anyhow!(e))?;
    let start = match &a.init {
        Some(p) => {
            let m = model_io::load(p)?;
            if m.task != task || m.classes != classes {
                bail!(
                    "{}: a {} model with classes [{}]; this run is {} with classes [{}]",
                    p.display(),
                    m.task.name(),
                    names(&m.classes),
                    task.name(),
                    names(&classes)
                );
            }
            if m.net.specs() != specs || m.net.inputs() != inputs {
                bail!(
                    "{}: the model has {} inputs and layers {}, in the file and {} inputs and layers {} in this run",
                    p.display(),
                    m.net.inputs(),
                    describe_specs(&m.net.specs()),
                    inputs,
                    describe_specs(&specs)
                );
            }
            Some(m.net)
        }
        None => None,
    };
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    println!("Model: \"model\" (written to {})", a.out.join("model.json").display());
    println!("{}", tinymlp::Summary(&net));
    println!(
        "training on {} rows ({} for validation), testing on {} rows",
        train_set.len(),
        val_rows,
        test_set.as_ref().map_or(0, Table::len)
    );
    debug_assert_eq!(fit_rows + val_rows, train_set.len());

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(plan.epochs as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} epoch {pos}/{len} {msg}").expect("valid template"),
        );
        b
    });
    let mut progress = |r: &EpochRecord, _epochs: u32| match &bar {
        Some(b) => {
            b.set_position(r.epoch as u64);
            b.set_message(epoch_line(r));
        }
        None => println!("epoch {:3}: {}", r.epoch, epoch_line(r)),
    };
    let targets = train_truth.targets(task, classes.len());
    let mut event = |e: &Event| match &bar {
        Some(b) => b.println(e.to_string()),
        None => println!("{e}"),
    };
    let out = fit_with_events(&plan, task, &train_set.x, &targets, start, &mut progress, &mut event)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if out.failure.is_none() {
        for w in convergence_warnings(&out.run.history, &train_truth) {
            eprintln!("warning: {w}");
        }
    }
    if let Some(t) = &test_set {
        let (mean, scale) = out.net.scaler();
        for w in table::drift_warnings(&t.path, &t.features, &t.x, mean, scale) {
            eprintln!("warning: {w}");
        }
    }
    let score_on_test = |net: &Net, what: &str| -> Result<Option<score::Figures>> {
        let (Some(t), Some(truth)) = (&test_set, &test_truth) else { return Ok(None) };
        let answers: Vec<Answer> = match truth {
            Truth::Classes(y) => y.iter().map(|&c| Answer::Class(c)).collect(),
            Truth::Values(v) => v.iter().map(|&v| Answer::Value(v)).collect(),
        };
        match stream::score_rows(net, task, &classes, &t.x, &answers, &t.path, &t.lines) {
            Ok(f) => Ok(f),
            Err(e) if out.failure.is_some() => {
                eprintln!("warning: no test figures for the {what}: {e}");
                Ok(None)
            }
            Err(e) => Err(anyhow::Error::new(e).context(format!("scoring the {what} on the test rows"))),
        }
    };
    let test = score_on_test(&out.net, "model")?;
    let checkpoint_figures = match &out.checkpoint {
        Some(c) => score_on_test(c, "checkpoint")?,
        None => None,
    };

    // The files.
    let model = Model {
        net: out.net.clone(),
        task,
        classes: classes.clone(),
        features: train_set.features.clone(),
        label: labels.name.clone(),
        other: Vec::new(),
    };
    let test_json = figures_json(task, test.as_ref(), "test_");
    let mut meta: Vec<(&str, Value)> = vec![
        (
            "model",
            json!(match a.model {
                ModelKind::Mlp => "mlp",
                ModelKind::Perceptron => "perceptron",
            }),
        ),
        ("seed", json!(plan.seed)),
        ("epochs_run", json!(out.run.epochs_run)),
    ];
    let head = meta.len();
    for k in ["test_accuracy", "test_auc", "test_loss", "test_mse", "test_rmse", "test_mae", "test_r2"] {
        if let Some(v) = test_json.get(k).filter(|v| !v.is_null()) {
            meta.push((k, v.clone()));
        }
    }
    meta.push(("tool", json!(concat!("tinymlp ", env!("CARGO_PKG_VERSION")))));
    let layers_text = describe_specs(&specs);
    meta.push(("layers", json!(layers_text)));
    model.save(&a.out.join("model.json"), FileFormat::Json, &model.metadata(&meta), "training")?;
    if let Some(c) = &out.checkpoint {
        let cm = Model { net: c.clone(), ..model.clone() };
        cm.save(&a.out.join("checkpoint.json"), FileFormat::Json, &cm.metadata(&meta[..head]), "training")?;
    }
    write_history_csv(&a.out.join("history.csv"), &out.run.history)?;
    write_json(&a.out.join("history.json"), &history_entries(&out.run.history, &out.run.events))?;
    if let Some(t) = &test_set {
        let labels = t.labels()?;
        table::write_table(&a.out.join("test.csv"), &t.features, &t.x, &labels.name, &labels.values)
            .with_context(|| format!("cannot write {}", a.out.join("test.csv").display()))?;
    }
    let r = &out.run;
    let mut report = serde_json::Map::new();
    report.insert("task".into(), json!(task.name()));
    report.insert("task_inferred".into(), json!(given.is_none()));
    report.insert("label".into(), json!(labels.name));
    report.insert("features".into(), json!(train_set.features));
    report.insert("classes".into(), json!(classes));
    report.extend(test_json);
    report.insert("epochs_run".into(), json!(r.epochs_run));
    report.insert("best_epoch".into(), json!(r.best_epoch));
    report.insert("checkpoint_epoch".into(), json!(r.checkpoint_epoch));
    report.insert(
        "checkpoint".into(),
        checkpoint_figures.as_ref().map_or(Value::Null, |f| {
            let mut m = figures_json(task, Some(f), "");
            m.remove("per_class");
            m.remove("confusion_matrix");
            Value::Object(m)
        }),
    );
    report.insert("stopped_early".into(), json!(r.stopped_early));
    report.insert("failure".into(), out.failure.map_or(Value::Null, |e| json!(e.to_string())));
    report.insert(
        "target_scaler".into(),
        out.target_scaler.as_ref().map_or(Value::Null, |(m, s)| json!({"mean": m, "std": s})),
    );
    report.insert("train_seconds".into(), json!(r.seconds));
    let ms_per_epoch = r.seconds * 1000.0 / r.epochs_run.max(1) as f64;
    report.insert("ms_per_epoch".into(), json!(ms_per_epoch));
    report.insert("rows".into(), json!((train_set.len(), test_set.as_ref().map_or(0, Table::len))));
    report.insert("validation_rows".into(), json!(val_rows));
    report.insert("model_id".into(), json!(format!("{:#010x}", model.id()?)));
    report.insert("options".into(), score::to_json_value(&plan));
    write_json(&a.out.join("report.json"), &report)?;

    let best =
        r.best_epoch.map(|b| format!(" (best val_loss at epoch {b}, weights restored)")).unwrap_or_default();
    let figures = match (&test, task) {
        (None, _) => "no test figures (no --test-csv)".to_string(),
        (Some(f), Task::Regression) => {
            let m = f.regression.expect("regression figures");
            format!(
                "test MSE {:.6}, RMSE {:.6}, MAE {:.6}, R² {}",
                m.mse,
                m.rmse,
                m.mae,
                m.r2.map_or("undefined".into(), |v| format!("{v:.4}"))
            )
        }
        (Some(f), _) => {
            let c = f.classification.as_ref().expect("classification figures");
            format!(
                "test accuracy {:.4}, AUC {}, loss {:.4}",
                c.accuracy,
                c.auc.map_or("undefined".into(), |v| format!("{v:.4}")),
                f.loss
            )
        }
    };
    println!(
        "epochs run {}{best}; {figures}; {ms_per_epoch:.2} ms per epoch; model id {:#010x}",
        r.epochs_run,
        model.id()?
    );
    let mut files = vec!["model.json", "history.csv", "history.json", "report.json"];
    if out.checkpoint.is_some() {
        files.insert(1, "checkpoint.json");
    }
    if test_set.is_some() {
        files.push("test.csv");
    }
    println!("wrote {}/{{{}}}", a.out.display(), files.join(", "));
    if let Some(e) = out.failure {
        let kept = match (r.best_epoch, out.checkpoint.is_some()) {
            (Some(b), _) => format!("the best epoch's weights (epoch {b})"),
            (None, true) => {
                "the weights before the failing step (the best epoch's are in checkpoint.json)".into()
            }
            (None, false) => "the weights before the failing step".into(),
        };
        bail!("{e}; the last finite model, {kept}, was written to {}", a.out.join("model.json").display());
    }
    Ok(())
}

/// Warnings when a run ended without learning: the last epoch's training loss not below
/// the first's, or a classifier's training accuracy no better than always answering the
/// most frequent class.
fn convergence_warnings(history: &[EpochRecord], truth: &Truth) -> Vec<String> {
    let mut w = Vec::new();
    let (Some(first), Some(last)) = (history.first(), history.last()) else { return w };
    if history.len() >= 2 && last.loss >= first.loss {
        w.push(format!(
            "the last epoch's training loss {:.6} is not below the first epoch's {:.6}: training did not converge (lower the learning rate)",
            last.loss, first.loss
        ));
    }
    if let (Truth::Classes(y), Some(acc)) = (truth, last.accuracy) {
        let mut counts = std::collections::BTreeMap::new();
        for c in y {
            *counts.entry(c).or_insert(0usize) += 1;
        }
        let majority = counts.values().max().copied().unwrap_or(0) as f32 / y.len().max(1) as f32;
        if acc <= majority + 0.005 {
            w.push(format!(
                "the last epoch's training accuracy {acc:.4} is no better than always answering the most frequent class ({majority:.4}): the model learnt nothing"
            ));
        }
    }
    w
}
