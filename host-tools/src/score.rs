//! A model's figures on labelled rows, as `train` (the test set), `eval` and the report
//! give them.

use crate::metrics::{self, ClassificationMetrics, RegressionMetrics};
use crate::table::{self, Table, TableError, Task};
use serde_json::{Map, Value, json};
use tinymlp::Layer;
use tinymlp_net::{Net, Row};

/// The true answer of each row.
#[derive(Clone, Debug, PartialEq)]
pub enum Truth {
    /// Class indices.
    Classes(Vec<usize>),
    /// Target values.
    Values(Vec<f32>),
}

impl Truth {
    /// The labels of `table` for a model of `task` with `classes`.
    pub fn of(table: &Table, task: Task, classes: &[String]) -> Result<Self, TableError> {
        Ok(match task {
            Task::Regression => Truth::Values(table::encode_values(table)?),
            _ => Truth::Classes(table::encode_classes(table, classes)?),
        })
    }

    /// The target rows a network learns (see [`table::class_targets`]).
    pub fn targets(&self, task: Task, classes: usize) -> Vec<Vec<f32>> {
        match self {
            Truth::Classes(y) => table::class_targets(task, classes, y),
            Truth::Values(v) => v.iter().map(|&v| vec![v]).collect(),
        }
    }
}

/// A model's figures on labelled rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The task.
    pub task: Task,
    /// Rows scored.
    pub rows: usize,
    /// Mean loss (the training loss: binary or categorical cross-entropy, or MSE).
    pub loss: f32,
    /// Classification figures.
    pub classification: Option<ClassificationMetrics>,
    /// Keras' 200-threshold ROC AUC (binary only).
    pub auc_thresholded: Option<f32>,
    /// Regression figures.
    pub regression: Option<RegressionMetrics>,
}

/// The outputs of `net` for each row.
pub fn outputs(net: &Net, x: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let xs: Vec<Row> = x.iter().map(|r| Row::from_slice(r)).collect();
    let mut ys = vec![Row::from_slice(&[]); xs.len()];
    net.forward_rows(&xs, &mut ys);
    ys.iter().map(|r| tinymlp::numeric::Signal::as_slice(r).to_vec()).collect()
}

/// Scores `net` (a model of `task` with `classes`) on rows `x` with answers `truth`.
pub fn score(net: &Net, task: Task, classes: &[String], x: &[Vec<f32>], truth: &Truth) -> Figures {
    let ys = outputs(net, x);
    let targets = truth.targets(task, classes.len());
    let xs: Vec<Row> = x.iter().map(|r| Row::from_slice(r)).collect();
    let ts: Vec<Row> = targets.iter().map(|r| Row::from_slice(r)).collect();
    let e = tinymlp::eval::evaluate(net, &xs, &ts, task.loss());
    let loss = e.map_or(f32::NAN, |e| e.loss);
    match truth {
        Truth::Classes(y) => {
            let probs: Vec<Vec<f32>> =
                ys.iter().map(|o| metrics::class_probabilities(o, classes.len())).collect();
            let predicted: Vec<usize> = ys.iter().map(|o| metrics::predicted_class(o)).collect();
            Figures {
                task,
                rows: x.len(),
                loss,
                classification: Some(metrics::classification_of(classes, &probs, &predicted, y)),
                auc_thresholded: if task == Task::Binary { e.and_then(|e| e.auc) } else { None },
                regression: None,
            }
        }
        Truth::Values(v) => {
            let predicted: Vec<f32> = ys.iter().map(|o| o[0]).collect();
            Figures {
                task,
                rows: x.len(),
                loss,
                classification: None,
                auc_thresholded: None,
                regression: Some(metrics::regression(&predicted, v)),
            }
        }
    }
}

/// `v` as the f64 of its shortest decimal form (`0.1f32` is `0.1`, not
/// `0.10000000149011612`).
pub fn short(v: f32) -> f64 {
    format!("{v}").parse().unwrap_or(v as f64)
}

/// `value` as JSON, with every f32 written in its shortest decimal form.
pub fn to_json_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_string(value).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null)
}

fn finite(v: f64) -> Value {
    if v.is_finite() { json!(v) } else { Value::Null }
}

/// The figures as JSON keys `{prefix}loss`, and for classification `{prefix}accuracy`,
/// `{prefix}auc`, `{prefix}auc_thresholded`, `per_class`, `confusion_matrix`, for a
/// regression `{prefix}mse`, `{prefix}rmse`, `{prefix}mae`, `{prefix}r2`. Without figures
/// (no rows to score) the same keys are `null`. No value is NaN: an undefined one is `null`.
pub fn figures_json(task: Task, f: Option<&Figures>, prefix: &str) -> Map<String, Value> {
    let mut m = Map::new();
    let key = |k: &str| format!("{prefix}{k}");
    m.insert(key("loss"), f.map_or(Value::Null, |f| finite(short(f.loss))));
    if task == Task::Regression {
        let r = f.and_then(|f| f.regression);
        m.insert(key("mse"), r.map_or(Value::Null, |r| finite(r.mse)));
        m.insert(key("rmse"), r.map_or(Value::Null, |r| finite(r.rmse)));
        m.insert(key("mae"), r.map_or(Value::Null, |r| finite(r.mae)));
        m.insert(key("r2"), r.and_then(|r| r.r2).map_or(Value::Null, finite));
    } else {
        let c = f.and_then(|f| f.classification.as_ref());
        m.insert(key("accuracy"), c.map_or(Value::Null, |c| finite(c.accuracy)));
        m.insert(key("auc"), c.and_then(|c| c.auc).map_or(Value::Null, finite));
        m.insert(
            key("auc_thresholded"),
            f.and_then(|f| f.auc_thresholded).map_or(Value::Null, |a| finite(short(a))),
        );
        m.insert("per_class".into(), c.map_or(Value::Null, |c| json!(c.per_class)));
        m.insert("confusion_matrix".into(), c.map_or(Value::Null, |c| json!(c.confusion_matrix)));
    }
    m
}

/// The figures as the lines `eval` prints.
pub fn figures_text(f: &Figures) -> String {
    let mut s = format!("rows {}\nloss {:.6}\n", f.rows, f.loss);
    if let Some(c) = &f.classification {
        s += &format!("accuracy {:.4}\n", c.accuracy);
        let auc = c.auc.map_or("undefined (one class only)".to_string(), |a| format!("{a:.6}"));
        match f.task {
            Task::Binary => {
                let t = f.auc_thresholded.map_or("-".to_string(), |a| format!("{a:.6}"));
                s += &format!("auc {auc} (exact; 200-threshold: {t})\n");
            }
            _ => s += &format!("auc {auc} (one-vs-rest, macro average)\n"),
        }
        s += &metrics::classification_table(c);
    }
    if let Some(r) = &f.regression {
        s += &format!("mse {:.6}\nrmse {:.6}\nmae {:.6}\n", r.mse, r.rmse, r.mae);
        s += &match r.r2 {
            Some(v) => format!("r2 {v:.6}\n"),
            None => "r2 undefined (constant targets)\n".into(),
        };
    }
    s
}
