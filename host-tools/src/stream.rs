//! A model's outputs and figures on rows read one chunk at a time, in constant memory: what
//! `eval` and `predict` run on files of any size, and `train` on its test rows.
//!
//! Every figure is accumulated as the rows pass. The exact ROC AUC needs every score in
//! order: the scorer sorts them in bounded memory, spilling sorted segments to temporary
//! files beyond [`crate::auc::ROWS_IN_MEMORY`] scores ([`RocAuc`]). An output that is not
//! finite (NaN or ±inf, a logit beyond `f32`) is an error naming the row: it is never turned
//! into a figure.

use crate::auc::{ROWS_IN_MEMORY, RocAuc};
use crate::metrics::{self, ClassMetrics, ClassificationMetrics, RegressionMetrics};
use crate::score::Figures;
use crate::table::{ColumnStats, Record, Rows, TableError, Task, class_key};
use std::path::Path;
use tinymlp::Layer;
use tinymlp::eval::metrics::{Accuracy, AucApprox};
use tinymlp::numeric::{Signal, Zero};
use tinymlp_net::{Net, Row};

/// Rows run through the network at a time.
pub const CHUNK: usize = 256;

/// An output that is not a finite number.
#[derive(Debug, thiserror::Error)]
#[error(
    "{where_}: the model's output is not finite ({values}): its weights or this row's values overflow f32"
)]
pub struct NonFiniteOutput {
    /// The row, as the message names it (file and line).
    pub where_: String,
    /// The outputs (or logits) as text.
    pub values: String,
}

/// The logits and outputs of `net` for each row of `xs`, written to `zs` and `ys`; an error
/// names the first row (by `names(i)`) whose logits or outputs are not finite.
pub fn run_chunk(
    net: &Net,
    xs: &[Row],
    zs: &mut Vec<Row>,
    ys: &mut Vec<Row>,
    names: &dyn Fn(usize) -> String,
) -> Result<(), NonFiniteOutput> {
    zs.clear();
    zs.resize(xs.len(), Row::ZERO);
    ys.clear();
    net.forward_rows_logits(xs, zs);
    let activation = net.output_activation();
    for (i, z) in zs.iter().enumerate() {
        let mut y = *z;
        if let Some(a) = activation {
            a.apply(z.as_slice(), y.as_mut_slice());
        }
        if !z.as_slice().iter().chain(y.as_slice()).all(|v| v.is_finite()) {
            return Err(NonFiniteOutput { where_: names(i), values: format!("{:?}", y.as_slice()) });
        }
        ys.push(y);
    }
    Ok(())
}

/// The true answer of one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    /// A class index.
    Class(usize),
    /// A target value.
    Value(f32),
}

/// A row's label cell as the answer of a model of `task` with `classes`; an error names the
/// file, line and column.
pub fn answer(
    task: Task,
    classes: &[String],
    cell: &str,
    path: &Path,
    line: u64,
    column: &str,
) -> Result<Answer, TableError> {
    match task {
        Task::Regression => {
            let err = || TableError::NotANumber {
                path: path.into(),
                line,
                column: column.into(),
                value: cell.into(),
            };
            let v: f64 = cell.parse().map_err(|_| err())?;
            if !v.is_finite() || !(v as f32).is_finite() {
                return Err(TableError::NotFinite {
                    path: path.into(),
                    line,
                    column: column.into(),
                    value: cell.into(),
                });
            }
            Ok(Answer::Value(v as f32))
        }
        _ => {
            let key = class_key(cell);
            classes.iter().position(|c| *c == key).map(Answer::Class).ok_or_else(|| {
                TableError::UnknownClass {
                    path: path.into(),
                    line,
                    column: column.into(),
                    value: cell.into(),
                    classes: classes.to_vec(),
                }
            })
        }
    }
}

/// Reads `rows` to the end in chunks of [`CHUNK`], handing each chunk to `f` and adding
/// every row to `stats`. Returns the rows read; a file without rows is an error.
pub fn for_each_chunk<R: std::io::Read, E: From<TableError>>(
    rows: &mut Rows<R>,
    path: &Path,
    stats: &mut ColumnStats,
    mut f: impl FnMut(&[Record]) -> Result<(), E>,
) -> Result<usize, E> {
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut n = 0;
    loop {
        let r = rows.next_row()?;
        let end = r.is_none();
        if let Some(r) = r {
            stats.add(&r.x);
            chunk.push(r);
        }
        if chunk.len() == CHUNK || (end && !chunk.is_empty()) {
            n += chunk.len();
            f(&chunk)?;
            chunk.clear();
        }
        if end {
            break;
        }
    }
    if n == 0 {
        return Err(TableError::Empty { path: path.into() }.into());
    }
    Ok(n)
}

/// A model's figures, accumulated row by row.
pub struct Scorer {
    task: Task,
    classes: Vec<String>,
    rows: usize,
    loss: tinymlp::Loss,
    total: f32,
    accuracy: Accuracy,
    auc: AucApprox,
    confusion: Vec<Vec<usize>>,
    /// Binary: one AUC of the probability of class 1. K classes: one per class, of its
    /// probability against the others (one-vs-rest).
    aucs: Vec<RocAuc>,
    /// The first error of the AUC's sort on disk, reported by [`Scorer::figures`].
    sort_error: Option<std::io::Error>,
    se: f64,
    ae: f64,
    t_mean: f64,
    t_m2: f64,
}

impl Scorer {
    /// No rows yet; the AUC keeps at most [`ROWS_IN_MEMORY`] scores in memory.
    pub fn new(task: Task, classes: &[String]) -> Self {
        Self::with_memory(task, classes, ROWS_IN_MEMORY)
    }

    /// No rows yet; the AUC keeps at most `rows_in_memory` scores in memory (over all
    /// classes), sorting the others on disk.
    pub fn with_memory(task: Task, classes: &[String], rows_in_memory: usize) -> Self {
        let k = classes.len();
        Scorer {
            task,
            classes: classes.to_vec(),
            rows: 0,
            loss: task.loss(),
            total: 0.0,
            accuracy: Accuracy::new(),
            auc: AucApprox::new(),
            confusion: vec![vec![0; k]; k],
            aucs: match task {
                Task::Binary => vec![RocAuc::new(rows_in_memory)],
                Task::Multiclass => (0..k).map(|_| RocAuc::new(rows_in_memory / k.max(1))).collect(),
                Task::Regression => Vec::new(),
            },
            sort_error: None,
            se: 0.0,
            ae: 0.0,
            t_mean: 0.0,
            t_m2: 0.0,
        }
    }

    /// Adds one row: its logits `z`, outputs `y` (finite, see [`run_chunk`]) and answer.
    pub fn add(&mut self, z: &[f32], y: &[f32], answer: Answer) {
        self.rows += 1;
        let k = self.classes.len();
        let target: Vec<f32> = match (self.task, answer) {
            (Task::Multiclass, Answer::Class(c)) => (0..k).map(|j| if j == c { 1.0 } else { 0.0 }).collect(),
            (_, Answer::Class(c)) => vec![c as f32],
            (_, Answer::Value(v)) => vec![v],
        };
        // The loss as `tinymlp::eval::evaluate` computes it: from the logits when the loss
        // fuses with the output activation, summed in row order in f32.
        let logits = self_activation(self.task).map(|a| (z, a));
        self.total += self.loss.sample(y, &target, logits);
        match answer {
            Answer::Class(c) => {
                self.accuracy.update(self.loss, y, &target);
                if self.task == Task::Binary {
                    self.auc.update(y[0], target[0] >= 0.5);
                }
                let predicted = metrics::predicted_class(y);
                self.confusion[c][predicted.min(k - 1)] += 1;
                let added = match self.task {
                    Task::Binary => self.aucs[0].add(y[0], c == 1),
                    _ => self.aucs.iter_mut().enumerate().try_for_each(|(j, a)| a.add(y[j], c == j)),
                };
                if let Err(e) = added {
                    self.sort_error.get_or_insert(e);
                }
            }
            Answer::Value(t) => {
                let d = y[0] as f64 - t as f64;
                self.se += d * d;
                self.ae += d.abs();
                let n = self.rows as f64;
                let dt = t as f64 - self.t_mean;
                self.t_mean += dt / n;
                self.t_m2 += dt * (t as f64 - self.t_mean);
            }
        }
    }

    /// Rows added.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The figures (`None` without rows); an error when the AUC's scores could not be
    /// sorted on disk.
    pub fn figures(self) -> std::io::Result<Option<Figures>> {
        if let Some(e) = self.sort_error {
            return Err(e);
        }
        if self.rows == 0 {
            return Ok(None);
        }
        let n = self.rows;
        let loss = self.total / n as f32;
        if self.task == Task::Regression {
            let nf = n as f64;
            let mse = self.se / nf;
            let r2 = (self.t_m2 > 0.0).then(|| 1.0 - self.se / self.t_m2);
            return Ok(Some(Figures {
                task: self.task,
                rows: n,
                loss,
                classification: None,
                auc_thresholded: None,
                regression: Some(RegressionMetrics { mse, rmse: mse.sqrt(), mae: self.ae / nf, r2 }),
            }));
        }
        // Binary: the AUC; K classes: the mean of the classes' defined one-vs-rest AUCs.
        let mut aucs = Vec::new();
        for a in self.aucs {
            aucs.extend(a.finish()?);
        }
        let auc = (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64);
        Ok(Some(Figures {
            task: self.task,
            rows: n,
            loss,
            classification: Some(from_confusion(&self.classes, &self.confusion, auc)),
            auc_thresholded: if self.task == Task::Binary { self.auc.result() } else { None },
            regression: None,
        }))
    }
}

fn self_activation(task: Task) -> Option<tinymlp::Activation> {
    Some(task.output_activation())
}

/// Accuracy, per-class figures and macro F1 from a confusion matrix (as
/// [`metrics::classification_of`]).
fn from_confusion(classes: &[String], confusion: &[Vec<usize>], auc: Option<f64>) -> ClassificationMetrics {
    let k = classes.len();
    let n: usize = confusion.iter().flatten().sum();
    let correct: usize = (0..k).map(|c| confusion[c][c]).sum();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassMetrics> = (0..k)
        .map(|c| {
            let tp = confusion[c][c];
            let support: usize = confusion[c].iter().sum();
            let predicted_c: usize = (0..k).map(|t| confusion[t][c]).sum();
            let (precision, recall) = (ratio(tp, predicted_c), ratio(tp, support));
            let f1 =
                if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            ClassMetrics { class: classes[c].clone(), precision, recall, f1, support }
        })
        .collect();
    let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / k.max(1) as f64;
    ClassificationMetrics {
        accuracy: ratio(correct, n),
        auc,
        per_class,
        confusion_matrix: confusion.to_vec(),
        macro_f1,
    }
}

/// Scores `net` on rows held in memory (`lines` name them in errors, with `path`).
pub fn score_rows(
    net: &Net,
    task: Task,
    classes: &[String],
    x: &[Vec<f32>],
    answers: &[Answer],
    path: &std::path::Path,
    lines: &[u64],
) -> Result<Option<Figures>, ScoreError> {
    let mut s = Scorer::new(task, classes);
    let (mut zs, mut ys) = (Vec::new(), Vec::new());
    for (c, (xc, ac)) in x.chunks(CHUNK).zip(answers.chunks(CHUNK)).enumerate() {
        let rows: Vec<Row> = xc.iter().map(|r| Row::from_slice(r)).collect();
        let name = |i: usize| {
            let r = c * CHUNK + i;
            format!("{}, line {}", path.display(), lines.get(r).copied().unwrap_or(r as u64 + 2))
        };
        run_chunk(net, &rows, &mut zs, &mut ys, &name)?;
        for ((z, y), &a) in zs.iter().zip(&ys).zip(ac) {
            s.add(z.as_slice(), y.as_slice(), a);
        }
    }
    Ok(s.figures()?)
}

/// Why rows could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    /// An output is not finite.
    #[error(transparent)]
    NonFinite(#[from] NonFiniteOutput),
    /// The AUC's scores could not be sorted on disk.
    #[error("sorting the scores for the ROC AUC: {0}")]
    Sort(#[from] std::io::Error),
}

/// Warnings about dense layers whose weights can make an output overflow `f32`: for each
/// layer, a bound on its inputs (the model's inputs taken within [`INPUT_BOUND`] of the
/// scaler's mean, in the scaler's scales; the outputs of sigmoid, tanh and softmax within
/// 1; other activations pass the bound on), then for each unit Σ|w|·bound + |b|. A layer
/// where that exceeds `f32::MAX` is named, with its unit. BatchNorm and dropout pass the
/// bound on unchanged: the check is a simple guard, not a proof.
pub fn overflow_warnings(net: &Net) -> Vec<String> {
    use tinymlp::Params;
    use tinymlp::layers::LayerKind;
    let mut infos = Vec::new();
    net.describe(&mut |info| infos.push((info.kind, info.inputs, info.outputs)));
    let mut bound = INPUT_BOUND;
    let (mut slot, mut dense) = (0usize, 0usize);
    let mut out = Vec::new();
    for (kind, inputs, outputs) in infos {
        match kind {
            LayerKind::Dense(act) => {
                dense += 1;
                let (w, b) = (net.slice(slot), net.slice(slot + 1));
                slot += 2;
                let mut worst = (0.0f64, 0usize);
                for o in 0..outputs {
                    let row = &w[o * inputs..((o + 1) * inputs).min(w.len())];
                    let v = row.iter().map(|&x| (x as f64).abs()).sum::<f64>() * bound
                        + b.get(o).map_or(0.0, |&x| (x as f64).abs());
                    if v > worst.0 {
                        worst = (v, o);
                    }
                }
                if worst.0 > f32::MAX as f64 {
                    out.push(format!(
                        "dense layer {dense} ({inputs}→{outputs}): unit {} can reach {:.3e} (Σ|w|·{bound:.3e} + |b|), beyond f32's {:.3e}: its outputs can overflow",
                        worst.1 + 1,
                        worst.0,
                        f32::MAX
                    ));
                }
                bound = match act {
                    tinymlp::Activation::Sigmoid
                    | tinymlp::Activation::Tanh
                    | tinymlp::Activation::Softmax => 1.0,
                    _ => worst.0,
                };
            }
            LayerKind::BatchNorm { .. } => slot += 2,
            _ => {}
        }
    }
    out
}

/// The bound [`overflow_warnings`] takes for the scaled inputs: 1,000 of the training
/// scales from the training mean.
pub const INPUT_BOUND: f64 = 1000.0;
