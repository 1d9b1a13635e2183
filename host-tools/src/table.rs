//! Tabular data from CSV files: a header row, 1 to [`MAX_FEATURES`] feature columns and a
//! label column chosen by name, anywhere in the row. Labels are class names (integers or
//! text) or numbers; [`infer_task`] tells which when the user does not.
//!
//! Every error names the file, and the line and column when there is one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Most feature columns a model takes (the widest row of `tinymlp-net`).
pub const MAX_FEATURES: usize = 256;
/// Most classes a classifier has (one output each).
pub const MAX_CLASSES: usize = 256;
/// Integer labels with at most this many distinct values (and fewer than half as many as
/// rows) are taken as classes when the task is not given.
pub const MAX_INFERRED_CLASSES: usize = 20;

/// Why a data file could not be used.
#[derive(Debug, Error)]
pub enum TableError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV syntax is broken.
    #[error("{path}: malformed CSV at line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// What the CSV reader said.
        message: String,
    },
    /// The label column asked for is not in the header.
    #[error("{path}: no column named `{name}` for the label; the columns are {}", list(header))]
    NoLabelColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        name: String,
        /// The header.
        header: Vec<String>,
    },
    /// Only the label column.
    #[error("{path}: no feature columns (the header has only the label column `{label}`)")]
    NoFeatures {
        /// The file.
        path: PathBuf,
        /// The label column.
        label: String,
    },
    /// More feature columns than a model takes.
    #[error("{path}: {found} feature columns; a model takes at most {MAX_FEATURES}")]
    TooManyFeatures {
        /// The file.
        path: PathBuf,
        /// Feature columns found.
        found: usize,
    },
    /// Two columns with one name.
    #[error("{path}: the header names the column `{name}` twice")]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The name.
        name: String,
    },
    /// The file's feature columns do not match the model's inputs.
    #[error(
        "{path}: the model takes {expected} features ({}), the file has {found} feature columns ({}){}",
        list(model_features),
        list(file_features),
        if *found == *expected + 1 { " (if one of them is a label, name it with --label)" } else { "" }
    )]
    FeatureCount {
        /// The file.
        path: PathBuf,
        /// The model's inputs.
        expected: usize,
        /// The model's feature names.
        model_features: Vec<String>,
        /// Feature columns in the file.
        found: usize,
        /// Their names.
        file_features: Vec<String>,
    },
    /// A row has the wrong number of cells.
    #[error("{path}, line {line}: expected {expected} columns, found {found}")]
    Columns {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Expected cells.
        expected: usize,
        /// Cells found.
        found: usize,
    },
    /// A cell is not a number.
    #[error("{path}, line {line}, column `{column}`: {value:?} is not a number")]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The cell.
        value: String,
    },
    /// A feature cell of a training file is text: perhaps the label column.
    #[error(
        "{path}, line {line}, column `{column}`: {value:?} is not a number (the label column is `{label}`; if `{column}` is the label, say --label {column})"
    )]
    TextFeature {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The cell.
        value: String,
        /// The label column chosen.
        label: String,
    },
    /// A cell is NaN or infinite (or beyond f32).
    #[error("{path}, line {line}, column `{column}`: {value} is not a finite f32")]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The cell.
        value: String,
    },
    /// An empty label cell.
    #[error("{path}, line {line}, column `{column}`: empty label")]
    EmptyLabel {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
    },
    /// No data rows.
    #[error("{path}: no data rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A classification label column with one class.
    #[error(
        "{path}, column `{column}`: every row has the class `{class}`; a classifier needs at least 2 classes"
    )]
    SingleClass {
        /// The file.
        path: PathBuf,
        /// Column name.
        column: String,
        /// The only class.
        class: String,
    },
    /// More classes than a classifier has outputs.
    #[error(
        "{path}, column `{column}`: {found} distinct classes; at most {MAX_CLASSES} (for a numeric target, use --task regression)"
    )]
    TooManyClasses {
        /// The file.
        path: PathBuf,
        /// Column name.
        column: String,
        /// Classes found.
        found: usize,
    },
    /// A class the model was not trained on.
    #[error(
        "{path}, line {line}, column `{column}`: class `{value}` is not one of the model's classes ({})",
        list(classes)
    )]
    UnknownClass {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The label.
        value: String,
        /// The classes known.
        classes: Vec<String>,
    },
    /// A file without the label column where one is needed.
    #[error("{path}: no label column (looked for `{name}`); the columns are {}", list(header))]
    NoLabel {
        /// The file.
        path: PathBuf,
        /// The name looked for.
        name: String,
        /// The header.
        header: Vec<String>,
    },
}

/// Names joined for a message: `a, b, c` (the first 12, then how many more).
pub fn list(names: &[String]) -> String {
    let mut s: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
    if names.len() > 12 {
        s.push(format!("… {} more", names.len() - 12));
    }
    s.join(", ")
}

/// The label column of a table: one text cell per row, and the line it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelColumn {
    /// The column's name.
    pub name: String,
    /// One cell per row, trimmed.
    pub values: Vec<String>,
}

/// Rows of features, and their labels when the file has them.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The file (for messages).
    pub path: PathBuf,
    /// Feature column names, in the order of each row's values.
    pub features: Vec<String>,
    /// Feature rows.
    pub x: Vec<Vec<f32>>,
    /// The label column.
    pub label: Option<LabelColumn>,
    /// 1-based line of each row in the file.
    pub lines: Vec<u64>,
}

impl Table {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// `true` without rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// The label column, or an error naming the file.
    pub fn labels(&self) -> Result<&LabelColumn, TableError> {
        self.label.as_ref().ok_or_else(|| TableError::NoLabel {
            path: self.path.clone(),
            name: "label".into(),
            header: self.features.clone(),
        })
    }
}

/// Which columns to read.
#[derive(Clone, Copy, Debug)]
pub enum Columns<'a> {
    /// Training data: the label column is the one named (it must exist), or by default the
    /// column `label`, else the last one; every other column is a feature.
    Training {
        /// `--label`.
        label: Option<&'a str>,
    },
    /// Data for a model with `features.len()` inputs. The label column is `label_flag` (it
    /// must exist), else the model's label column `model_label`, else `label`; when none is
    /// found and `need_label` holds, the last column of a file with one column more than
    /// the model's inputs. The features are the model's columns by name when the file has
    /// them all, else the other columns in order, which must be as many as the inputs.
    Model {
        /// The model's feature names.
        features: &'a [String],
        /// The model's label column name.
        model_label: &'a str,
        /// `--label`.
        label_flag: Option<&'a str>,
        /// Whether the label column must be there.
        need_label: bool,
    },
}

/// Reads a CSV file (see [`Columns`]).
pub fn read_table(path: &Path, columns: Columns<'_>) -> Result<Table, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io { path: path.into(), source })?;
    parse_table(file, path, columns)
}

/// [`read_table`] from any reader (`path` only names it in messages).
pub fn parse_table(
    reader: impl std::io::Read,
    path: &Path,
    columns: Columns<'_>,
) -> Result<Table, TableError> {
    let mut rows = Rows::new(reader, path, columns)?;
    let mut t = Table {
        path: path.to_path_buf(),
        features: rows.features.clone(),
        x: Vec::new(),
        label: rows.label.clone().map(|name| LabelColumn { name, values: Vec::new() }),
        lines: Vec::new(),
    };
    while let Some(r) = rows.next_row()? {
        if let (Some(v), Some(col)) = (r.label, t.label.as_mut()) {
            col.values.push(v);
        }
        t.x.push(r.x);
        t.lines.push(r.line);
    }
    if t.x.is_empty() {
        return Err(TableError::Empty { path: path.to_path_buf() });
    }
    Ok(t)
}

/// One data row of a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// 1-based line in the file.
    pub line: u64,
    /// The feature values, in the order of [`Rows::features`].
    pub x: Vec<f32>,
    /// The label cell, trimmed, when the file has the label column.
    pub label: Option<String>,
}

/// A CSV file read one row at a time (see [`Columns`]), in constant memory: the header is
/// resolved when it opens, each row is checked as it is read.
pub struct Rows<R: std::io::Read> {
    rdr: csv::Reader<R>,
    path: PathBuf,
    header: Vec<String>,
    feature_cols: Vec<usize>,
    label_col: Option<usize>,
    training_default_label: bool,
    record: csv::StringRecord,
    /// Feature column names, in the order of each row's values.
    pub features: Vec<String>,
    /// The label column's name, when the file has it.
    pub label: Option<String>,
}

impl Rows<std::fs::File> {
    /// Opens a CSV file.
    pub fn open(path: &Path, columns: Columns<'_>) -> Result<Self, TableError> {
        let file =
            std::fs::File::open(path).map_err(|source| TableError::Io { path: path.into(), source })?;
        Rows::new(file, path, columns)
    }
}

impl<R: std::io::Read> Rows<R> {
    fn csv_err(path: &Path, e: csv::Error) -> TableError {
        let p = || path.to_path_buf();
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        match e.into_kind() {
            csv::ErrorKind::Io(source) => TableError::Io { path: p(), source },
            csv::ErrorKind::Utf8 { err, .. } => {
                TableError::Csv { path: p(), line, message: format!("invalid UTF-8 ({err})") }
            }
            other => TableError::Csv { path: p(), line, message: format!("{other:?}") },
        }
    }

    /// Reads the header of `reader` and chooses the columns (`path` only names it in
    /// messages).
    pub fn new(reader: R, path: &Path, columns: Columns<'_>) -> Result<Self, TableError> {
        let p = || path.to_path_buf();
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let mut header: Vec<String> =
            rdr.headers().map_err(|e| Self::csv_err(path, e))?.iter().map(str::to_owned).collect();
        if let Some(first) = header.first_mut() {
            // A byte-order mark, as spreadsheets write one, is not part of the name.
            *first = first.trim_start_matches('\u{feff}').trim().to_owned();
        }
        let mut seen = BTreeSet::new();
        for h in &header {
            if !seen.insert(h.as_str()) {
                return Err(TableError::DuplicateColumn { path: p(), name: h.clone() });
            }
        }
        let find = |name: &str| header.iter().position(|h| h == name);
        let (feature_cols, label_col) = match columns {
            Columns::Training { label } => {
                let l = match label {
                    Some(name) => find(name).ok_or_else(|| TableError::NoLabelColumn {
                        path: p(),
                        name: name.into(),
                        header: header.clone(),
                    })?,
                    None => match find("label") {
                        Some(i) => i,
                        None if header.is_empty() => return Err(TableError::Empty { path: p() }),
                        None => header.len() - 1,
                    },
                };
                let f: Vec<usize> = (0..header.len()).filter(|&j| j != l).collect();
                if f.is_empty() {
                    return Err(TableError::NoFeatures { path: p(), label: header[l].clone() });
                }
                (f, Some(l))
            }
            Columns::Model { features, model_label, label_flag, need_label } => {
                let l = match label_flag {
                    Some(name) => Some(find(name).ok_or_else(|| TableError::NoLabelColumn {
                        path: p(),
                        name: name.into(),
                        header: header.clone(),
                    })?),
                    None => find(model_label)
                        .or_else(|| find("label"))
                        .filter(|&l| !features.contains(&header[l]))
                        .or_else(|| {
                            (need_label && header.len() == features.len() + 1).then(|| header.len() - 1)
                        }),
                };
                if need_label && l.is_none() {
                    return Err(TableError::NoLabel {
                        path: p(),
                        name: model_label.into(),
                        header: header.clone(),
                    });
                }
                let by_name: Option<Vec<usize>> =
                    features.iter().map(|f| find(f).filter(|&j| Some(j) != l)).collect();
                let f = match by_name {
                    Some(f) => f,
                    None => {
                        let f: Vec<usize> = (0..header.len()).filter(|&j| Some(j) != l).collect();
                        if f.len() != features.len() {
                            return Err(TableError::FeatureCount {
                                path: p(),
                                expected: features.len(),
                                model_features: features.to_vec(),
                                found: f.len(),
                                file_features: f.iter().map(|&j| header[j].clone()).collect(),
                            });
                        }
                        f
                    }
                };
                if f.is_empty() {
                    return Err(TableError::NoFeatures {
                        path: p(),
                        label: l.map(|l| header[l].clone()).unwrap_or_default(),
                    });
                }
                (f, l)
            }
        };
        if feature_cols.len() > MAX_FEATURES {
            return Err(TableError::TooManyFeatures { path: p(), found: feature_cols.len() });
        }
        Ok(Rows {
            rdr,
            path: p(),
            features: feature_cols.iter().map(|&j| header[j].clone()).collect(),
            label: label_col.map(|l| header[l].clone()),
            training_default_label: matches!(columns, Columns::Training { label: None }),
            header,
            feature_cols,
            label_col,
            record: csv::StringRecord::new(),
        })
    }

    /// The next row, checked (cells, numbers, finite values, a label), or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Record>, TableError> {
        let p = || self.path.clone();
        if !self.rdr.read_record(&mut self.record).map_err(|e| Self::csv_err(&self.path, e))? {
            return Ok(None);
        }
        let record = &self.record;
        let header = &self.header;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != header.len() {
            return Err(TableError::Columns { path: p(), line, expected: header.len(), found: record.len() });
        }
        let mut row = Vec::with_capacity(self.feature_cols.len());
        for &j in &self.feature_cols {
            let cell = &record[j];
            let column = || header[j].clone();
            let value: f64 =
                cell.parse().map_err(|_| match (self.training_default_label, self.label_col) {
                    (true, Some(l)) => TableError::TextFeature {
                        path: p(),
                        line,
                        column: column(),
                        value: cell.to_owned(),
                        label: header[l].clone(),
                    },
                    _ => TableError::NotANumber { path: p(), line, column: column(), value: cell.to_owned() },
                })?;
            if !value.is_finite() || !(value as f32).is_finite() {
                return Err(TableError::NotFinite {
                    path: p(),
                    line,
                    column: column(),
                    value: cell.to_owned(),
                });
            }
            row.push(value as f32);
        }
        let label = match self.label_col {
            Some(l) => {
                let cell = &record[l];
                if cell.is_empty() {
                    return Err(TableError::EmptyLabel { path: p(), line, column: header[l].clone() });
                }
                Some(cell.to_owned())
            }
            None => None,
        };
        Ok(Some(Record { line, x: row, label }))
    }
}

/// What the label column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    /// Class names: integers or text.
    Classification,
    /// A number.
    Regression,
}

/// A model's task, as its file records it (`task` in the JSON metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Two classes: one sigmoid output, the probability of the second class.
    Binary,
    /// K > 2 classes: K softmax outputs.
    Multiclass,
    /// Numbers: linear outputs.
    Regression,
}

impl Task {
    /// The name in model files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Task::Binary => "binary",
            Task::Multiclass => "multiclass",
            Task::Regression => "regression",
        }
    }

    /// The task called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        [Task::Binary, Task::Multiclass, Task::Regression].into_iter().find(|t| t.name() == name)
    }

    /// The task of a classifier with `classes` classes, or of a regression.
    pub fn of(kind: TaskKind, classes: usize) -> Self {
        match kind {
            TaskKind::Regression => Task::Regression,
            TaskKind::Classification if classes <= 2 => Task::Binary,
            TaskKind::Classification => Task::Multiclass,
        }
    }

    /// The loss trained with.
    pub fn loss(self) -> tinymlp::Loss {
        match self {
            Task::Binary => tinymlp::Loss::BinaryCrossEntropy,
            Task::Multiclass => tinymlp::Loss::CategoricalCrossEntropy,
            Task::Regression => tinymlp::Loss::MeanSquaredError,
        }
    }

    /// Outputs of the model for `classes` classes.
    pub fn outputs(self, classes: usize) -> usize {
        match self {
            Task::Binary | Task::Regression => 1,
            Task::Multiclass => classes,
        }
    }

    /// The activation of the output layer.
    pub fn output_activation(self) -> tinymlp::Activation {
        match self {
            Task::Binary => tinymlp::Activation::Sigmoid,
            Task::Multiclass => tinymlp::Activation::Softmax,
            Task::Regression => tinymlp::Activation::Linear,
        }
    }

    /// Classification or regression.
    pub fn kind(self) -> TaskKind {
        match self {
            Task::Regression => TaskKind::Regression,
            _ => TaskKind::Classification,
        }
    }
}

/// An integer label written as an integer (`1.0` and `01` are the class `1`); other
/// labels as they are.
pub fn class_key(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.0e15 => format!("{}", v as i64),
        _ => cell.to_owned(),
    }
}

/// The task the labels suggest, and why, in words: text labels, or integers with at most
/// [`MAX_INFERRED_CLASSES`] distinct values and fewer distinct values than half the rows,
/// are classes; other numbers are a regression target.
pub fn infer_task(labels: &LabelColumn) -> (TaskKind, String) {
    let numbers: Option<Vec<f64>> =
        labels.values.iter().map(|v| v.parse::<f64>().ok().filter(|v| v.is_finite())).collect();
    let Some(numbers) = numbers else {
        let text = labels.values.iter().find(|v| v.parse::<f64>().map_or(true, |v| !v.is_finite()));
        return (
            TaskKind::Classification,
            format!("the labels are text (e.g. `{}`)", text.map_or("", |s| s.as_str())),
        );
    };
    let integers = numbers.iter().all(|v| v.fract() == 0.0);
    let distinct: BTreeSet<u64> = numbers.iter().map(|v| v.to_bits()).collect();
    let (d, n) = (distinct.len(), numbers.len());
    if integers && d <= MAX_INFERRED_CLASSES && 2 * d < n {
        (TaskKind::Classification, format!("the labels are {d} distinct integers over {n} rows"))
    } else if integers {
        (
            TaskKind::Regression,
            format!(
                "the labels are integers with {d} distinct values over {n} rows (classes need at most {MAX_INFERRED_CLASSES}, and fewer than half the rows)"
            ),
        )
    } else {
        (TaskKind::Regression, format!("the labels are numbers with fractions ({d} distinct over {n} rows)"))
    }
}

/// The classes of training labels, in order: numerically when every label is an integer,
/// else as text. Fails with one class or more than [`MAX_CLASSES`].
pub fn classes_of(path: &Path, labels: &LabelColumn) -> Result<Vec<String>, TableError> {
    let keys: BTreeSet<String> = labels.values.iter().map(|v| class_key(v)).collect();
    let mut classes: Vec<String> = keys.into_iter().collect();
    if classes.iter().all(|c| c.parse::<i64>().is_ok()) {
        classes.sort_by_key(|c| c.parse::<i64>().unwrap_or(0));
    }
    match classes.len() {
        1 => Err(TableError::SingleClass {
            path: path.into(),
            column: labels.name.clone(),
            class: classes.swap_remove(0),
        }),
        n if n > MAX_CLASSES => {
            Err(TableError::TooManyClasses { path: path.into(), column: labels.name.clone(), found: n })
        }
        _ => Ok(classes),
    }
}

/// The index in `classes` of each row's label; a label outside them is an error naming its
/// line.
pub fn encode_classes(table: &Table, classes: &[String]) -> Result<Vec<usize>, TableError> {
    let labels = table.labels()?;
    labels
        .values
        .iter()
        .zip(&table.lines)
        .map(|(v, &line)| {
            let key = class_key(v);
            classes.iter().position(|c| *c == key).ok_or_else(|| TableError::UnknownClass {
                path: table.path.clone(),
                line,
                column: labels.name.clone(),
                value: v.clone(),
                classes: classes.to_vec(),
            })
        })
        .collect()
}

/// Each row's label as a number; a label that is not a finite number is an error naming its
/// line.
pub fn encode_values(table: &Table) -> Result<Vec<f32>, TableError> {
    let labels = table.labels()?;
    labels
        .values
        .iter()
        .zip(&table.lines)
        .map(|(v, &line)| {
            let err = || TableError::NotANumber {
                path: table.path.clone(),
                line,
                column: labels.name.clone(),
                value: v.clone(),
            };
            let value: f64 = v.parse().map_err(|_| err())?;
            if !value.is_finite() || !(value as f32).is_finite() {
                return Err(TableError::NotFinite {
                    path: table.path.clone(),
                    line,
                    column: labels.name.clone(),
                    value: v.clone(),
                });
            }
            Ok(value as f32)
        })
        .collect()
}

/// The targets a model learns: per row, `[class]` for a binary task, one-hot over
/// `classes` for a multiclass one.
pub fn class_targets(task: Task, classes: usize, y: &[usize]) -> Vec<Vec<f32>> {
    y.iter()
        .map(|&c| match task {
            Task::Multiclass => (0..classes).map(|k| if k == c { 1.0 } else { 0.0 }).collect(),
            _ => vec![c as f32],
        })
        .collect()
}

/// Warnings when rows look unlike the training rows the model's scaler was fitted on: a
/// column whose mean lies more than 4 of the scaler's scales from the scaler's mean; a
/// column more than 4 times as spread as the scaler's scale; a column that looks
/// standardised (mean ≈ 0, spread ≈ 1) where the scale is far from 1; and rows that all
/// look standardised while the scaler is not the identity (the model scales its inputs
/// itself: feed it raw data). At most 5 column warnings, then how many more.
pub fn drift_warnings(
    path: &Path,
    features: &[String],
    x: &[Vec<f32>],
    mean: &[f32],
    scale: &[f32],
) -> Vec<String> {
    let mut stats = ColumnStats::new(features.len());
    for r in x {
        stats.add(r);
    }
    drift_warnings_of(path, features, &stats, mean, scale)
}

/// Each column's running mean and spread (Welford's method, f64), for data read one row at
/// a time.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnStats {
    n: usize,
    mean: Vec<f64>,
    m2: Vec<f64>,
}

impl ColumnStats {
    /// No rows yet, `columns` columns.
    pub fn new(columns: usize) -> Self {
        ColumnStats { n: 0, mean: vec![0.0; columns], m2: vec![0.0; columns] }
    }

    /// Adds one row.
    pub fn add(&mut self, row: &[f32]) {
        self.n += 1;
        let n = self.n as f64;
        for ((m, s), &v) in self.mean.iter_mut().zip(&mut self.m2).zip(row) {
            let d = v as f64 - *m;
            *m += d / n;
            *s += d * (v as f64 - *m);
        }
    }

    /// Rows added.
    pub fn rows(&self) -> usize {
        self.n
    }

    /// Column `j`'s mean and (population) standard deviation.
    pub fn column(&self, j: usize) -> (f64, f64) {
        (self.mean[j], (self.m2[j] / self.n.max(1) as f64).sqrt())
    }
}

/// [`drift_warnings`] from the columns' statistics.
pub fn drift_warnings_of(
    path: &Path,
    features: &[String],
    stats: &ColumnStats,
    mean: &[f32],
    scale: &[f32],
) -> Vec<String> {
    let n = stats.rows();
    if n < 2
        || mean.len() != features.len()
        || scale.len() != features.len()
        || stats.mean.len() != features.len()
    {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    let mut standardised = 0;
    let mut identity = 0;
    for (j, name) in features.iter().enumerate() {
        let (m, sd) = stats.column(j);
        let (mu, s) = (mean[j] as f64, scale[j] as f64);
        if (mu.abs() < 1e-3 && (s - 1.0).abs() < 1e-3) || s <= 0.0 {
            identity += 1;
        }
        let looks_standardised = m.abs() < 0.15 && (sd - 1.0).abs() < 0.15;
        if looks_standardised {
            standardised += 1;
        }
        if s <= 0.0 {
            continue;
        }
        let (z, ratio) = ((m - mu).abs() / s, sd / s);
        if z > 4.0 {
            warnings.push(format!(
                "{}: column `{name}` has mean {m:.4}, {z:.1} scales from the training mean {mu:.4} (scale {s:.4})",
                path.display()
            ));
        } else if n >= 10 && ratio > 4.0 {
            warnings.push(format!(
                "{}: column `{name}` has spread {sd:.4}, {ratio:.1} times the training scale {s:.4}",
                path.display()
            ));
        } else if n >= 10 && looks_standardised && !(0.25..=4.0).contains(&s) {
            warnings.push(format!(
                "{}: column `{name}` looks standardised (mean {m:.4}, spread {sd:.4}) but the training scale is {s:.4}",
                path.display()
            ));
        }
    }
    if warnings.len() > 5 {
        let more = warnings.len() - 5;
        warnings.truncate(5);
        warnings.push(format!("{}: … and {more} more columns like these", path.display()));
    }
    if n >= 10 && standardised == features.len() && identity < features.len() {
        warnings.push(format!(
            "{}: every column has mean ≈ 0 and spread ≈ 1, as if standardised already; the model scales its inputs itself (mean {}, scale {}): give it raw data",
            path.display(),
            fmt_row(mean),
            fmt_row(scale)
        ));
    }
    warnings
}

fn fmt_row(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().take(6).map(|x| format!("{x:.4}")).collect();
    let more = if v.len() > 6 { ", …" } else { "" };
    format!("[{}{more}]", parts.join(", "))
}

/// Writes rows as CSV: the feature columns then the label column (named `label_name`),
/// floats with enough digits to read back the same f32.
pub fn write_table(
    path: &Path,
    features: &[String],
    x: &[Vec<f32>],
    label_name: &str,
    labels: &[String],
) -> std::io::Result<()> {
    let mut file = crate::report::AtomicFile::create(path)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file.file()));
    let mut header: Vec<&str> = features.iter().map(String::as_str).collect();
    header.push(label_name);
    w.write_record(&header)?;
    for (row, label) in x.iter().zip(labels) {
        let mut rec: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        rec.push(label.clone());
        w.write_record(&rec)?;
    }
    w.flush()?;
    drop(w);
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn train(text: &str, label: Option<&str>) -> Result<Table, TableError> {
        parse_table(text.as_bytes(), Path::new("d.csv"), Columns::Training { label })
    }

    fn err(text: &str, label: Option<&str>) -> String {
        train(text, label).unwrap_err().to_string()
    }

    #[test]
    fn the_label_is_named_or_label_or_last() {
        let t = train("species,a,b\nsetosa,1,2\nvirginica,3,4\n", Some("species")).unwrap();
        assert_eq!(t.features, ["a", "b"]);
        assert_eq!(t.x, vec![vec![1.0, 2.0], vec![3.0, 4.0]]);
        assert_eq!(t.label.unwrap().values, ["setosa", "virginica"]);
        let t = train("a,label,b\n1,x,2\n", None).unwrap();
        assert_eq!((t.features, t.label.unwrap().name), (vec!["a".to_string(), "b".into()], "label".into()));
        let t = train("a,b,y\n1,2,0.5\n", None).unwrap();
        assert_eq!(t.label.unwrap().name, "y");
        assert_eq!(t.lines, [2]);
    }

    #[test]
    fn bad_files_are_named_with_line_and_column() {
        assert_eq!(
            err("a,b,label\n1,2,0\n", Some("kind")),
            "d.csv: no column named `kind` for the label; the columns are `a`, `b`, `label`"
        );
        assert_eq!(
            err("label\n0\n1\n", None),
            "d.csv: no feature columns (the header has only the label column `label`)"
        );
        assert_eq!(
            err("a,b,label\n1,2,0\n1,nan,1\n", None),
            "d.csv, line 3, column `b`: nan is not a finite f32"
        );
        assert_eq!(
            err("a,b,label\n1,2,0\n1,inf,1\n", None),
            "d.csv, line 3, column `b`: inf is not a finite f32"
        );
        assert_eq!(err("a,b,label\n1,1e39,0\n", None), "d.csv, line 2, column `b`: 1e39 is not a finite f32");
        assert_eq!(
            err("a,b,label\n1,x,0\n", Some("label")),
            "d.csv, line 2, column `b`: \"x\" is not a number"
        );
        assert_eq!(
            err("kind,b,c\nx,1,0\n", None),
            "d.csv, line 2, column `kind`: \"x\" is not a number (the label column is `c`; if `kind` is the label, say --label kind)"
        );
        assert_eq!(err("a,b,label\n1,2\n", None), "d.csv, line 2: expected 3 columns, found 2");
        assert_eq!(err("a,b,label\n1,2,\n", None), "d.csv, line 2, column `label`: empty label");
        assert_eq!(err("a,a,label\n1,2,0\n", None), "d.csv: the header names the column `a` twice");
        assert_eq!(err("a,b,label\n", None), "d.csv: no data rows");
        assert_eq!(train("\u{feff}a,label\n1,x\n", None).unwrap().features, ["a"]);
        let wide: Vec<String> = (0..=MAX_FEATURES).map(|j| format!("f{j}")).collect();
        let text = format!("{},label\n", wide.join(","));
        assert_eq!(err(&text, None), "d.csv: 257 feature columns; a model takes at most 256");
    }

    #[test]
    fn model_columns_by_name_or_position() {
        let features = vec!["a".to_string(), "b".into()];
        let cols = |need_label| Columns::Model {
            features: &features,
            model_label: "y",
            label_flag: None,
            need_label,
        };
        // By name, in the model's order, wherever they are.
        let t = parse_table("y,b,a\n1,2,3\n".as_bytes(), Path::new("d.csv"), cols(true)).unwrap();
        assert_eq!((t.x[0].clone(), t.label.unwrap().values), (vec![3.0, 2.0], vec!["1".to_string()]));
        // Without the label (predict).
        let t = parse_table("b,a\n2,3\n".as_bytes(), Path::new("d.csv"), cols(false)).unwrap();
        assert_eq!((t.x[0].clone(), t.label), (vec![3.0, 2.0], None));
        // Other names: by position, the last column as the label when one is needed.
        let t = parse_table("p,q,r\n1,2,3\n".as_bytes(), Path::new("d.csv"), cols(true)).unwrap();
        assert_eq!((t.x[0].clone(), t.label.unwrap().name), (vec![1.0, 2.0], "r".to_string()));
        let e = parse_table("p,q,r\n1,2,3\n".as_bytes(), Path::new("d.csv"), cols(false)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "d.csv: the model takes 2 features (`a`, `b`), the file has 3 feature columns (`p`, `q`, `r`) (if one of them is a label, name it with --label)"
        );
        let e = parse_table("p,q,r,s\n1,2,3,4\n".as_bytes(), Path::new("d.csv"), cols(true)).unwrap_err();
        assert!(e.to_string().starts_with("d.csv: no label column (looked for `y`)"), "{e}");
    }

    #[test]
    fn tasks_are_inferred_and_said() {
        let col =
            |v: &[&str]| LabelColumn { name: "y".into(), values: v.iter().map(|s| s.to_string()).collect() };
        let (k, why) = infer_task(&col(&["setosa", "versicolor", "setosa"]));
        assert_eq!((k, why.as_str()), (TaskKind::Classification, "the labels are text (e.g. `setosa`)"));
        let (k, why) = infer_task(&col(&["0", "1", "1", "0", "1"]));
        assert_eq!(
            (k, why.as_str()),
            (TaskKind::Classification, "the labels are 2 distinct integers over 5 rows")
        );
        assert_eq!(infer_task(&col(&["0.5", "1", "1", "0"])).0, TaskKind::Regression);
        // Integers with as many distinct values as half the rows: a quantity.
        assert_eq!(infer_task(&col(&["1", "2", "1", "2"])).0, TaskKind::Regression);
        let many: Vec<String> = (0..100).map(|i| (i % 21).to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(infer_task(&col(&many)).0, TaskKind::Regression);
    }

    #[test]
    fn classes_are_sorted_and_checked() {
        let t = train("a,label\n1,10\n2,9\n3,10.0\n4,09\n", None).unwrap();
        let classes = classes_of(&t.path, t.labels().unwrap()).unwrap();
        assert_eq!(classes, ["9", "10"]);
        assert_eq!(encode_classes(&t, &classes).unwrap(), [1, 0, 1, 0]);
        let t = train("a,label\n1,b\n2,a\n", None).unwrap();
        assert_eq!(classes_of(&t.path, t.labels().unwrap()).unwrap(), ["a", "b"]);
        let t = train("a,label\n1,b\n2,b\n", None).unwrap();
        assert_eq!(
            classes_of(&t.path, t.labels().unwrap()).unwrap_err().to_string(),
            "d.csv, column `label`: every row has the class `b`; a classifier needs at least 2 classes"
        );
        let rows: String = (0..300).map(|i| format!("{i},c{i}\n")).collect();
        let t = train(&format!("a,label\n{rows}"), None).unwrap();
        assert!(
            classes_of(&t.path, t.labels().unwrap())
                .unwrap_err()
                .to_string()
                .starts_with("d.csv, column `label`: 300 distinct classes; at most 256")
        );
        let t = train("a,label\n1,a\n2,c\n", None).unwrap();
        assert_eq!(
            encode_classes(&t, &["a".into(), "b".into()]).unwrap_err().to_string(),
            "d.csv, line 3, column `label`: class `c` is not one of the model's classes (`a`, `b`)"
        );
        let t = train("a,label\n1,0.5\n2,x\n", None).unwrap();
        assert_eq!(
            encode_values(&t).unwrap_err().to_string(),
            "d.csv, line 3, column `label`: \"x\" is not a number"
        );
        assert_eq!(
            class_targets(Task::Multiclass, 3, &[2, 0]),
            vec![vec![0.0, 0.0, 1.0], vec![1.0, 0.0, 0.0]]
        );
        assert_eq!(class_targets(Task::Binary, 2, &[1, 0]), vec![vec![1.0], vec![0.0]]);
    }

    #[test]
    fn drift_is_noticed() {
        let names = vec!["a".to_string(), "b".into()];
        let raw: Vec<Vec<f32>> = (0..20).map(|i| vec![100.0 + i as f32, 5.0 + (i % 3) as f32]).collect();
        let (mean, scale) = ([109.5, 6.0], [5.77, 0.8]);
        assert!(drift_warnings(Path::new("d.csv"), &names, &raw, &mean, &scale).is_empty());
        let scaled: Vec<Vec<f32>> =
            raw.iter().map(|r| vec![(r[0] - mean[0]) / scale[0], (r[1] - mean[1]) / scale[1]]).collect();
        let w = drift_warnings(Path::new("d.csv"), &names, &scaled, &mean, &scale);
        assert!(w[0].starts_with("d.csv: column `a` has mean"), "{w:?}");
        assert!(w.last().unwrap().contains("as if standardised already"), "{w:?}");
        // Raw rows for a scaler fitted on standardised ones: far more spread.
        let w = drift_warnings(Path::new("d.csv"), &names, &raw, &[0.0, 5.95], &[1.0, 0.01]);
        assert!(w[0].contains("column `a` has mean 109.5000, 109.5 scales"), "{w:?}");
        assert!(w[1].contains("column `b` has spread"), "{w:?}");
        // A column constant in the rows, whatever its training spread, is no warning.
        let flat: Vec<Vec<f32>> = raw.iter().map(|r| vec![r[0], 6.0]).collect();
        assert!(drift_warnings(Path::new("d.csv"), &names, &flat, &mean, &scale).is_empty());
    }
}
