//! The tutorial's two-feature data: generated moons, and CSV files of two features and a
//! 0/1 `label` for the typed tools (`compare`, `finetune`); errors say which line is wrong.
//! `tinymlp train`, `eval` and `predict` read any tabular file with [`crate::table`].

use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a data file could not be read.
#[derive(Debug, Error)]
pub enum DataError {
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
    /// The header does not have the expected shape.
    #[error(
        "{path}: the header must be {expected} feature columns then a column named `label`; found {found:?}"
    )]
    Header {
        /// The file.
        path: PathBuf,
        /// Number of feature columns the model takes.
        expected: usize,
        /// The header read.
        found: Vec<String>,
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
    /// A cell is NaN or infinite.
    #[error("{path}, line {line}, column `{column}`: {value} is not finite")]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// Column name.
        column: String,
        /// The value.
        value: f64,
    },
    /// A label is not one of the classes.
    #[error("{path}, line {line}: label {value} is not a class (expected an integer 0..{classes})")]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// The label.
        value: f64,
        /// Number of classes.
        classes: usize,
    },
    /// No data rows.
    #[error("{path}: no data rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Rows of `N` features with an integer class label.
#[derive(Clone, Debug, PartialEq)]
pub struct Labelled<const N: usize> {
    /// Feature rows.
    pub x: Vec<[f32; N]>,
    /// Class of each row.
    pub label: Vec<usize>,
}

impl<const N: usize> Labelled<N> {
    /// Binary targets `[0.0]` / `[1.0]`.
    pub fn binary_targets(&self) -> Vec<[f32; 1]> {
        self.label.iter().map(|&l| [l as f32]).collect()
    }

    /// One-hot targets over `K` classes.
    pub fn one_hot<const K: usize>(&self) -> Vec<[f32; K]> {
        self.label.iter().map(|&l| core::array::from_fn(|k| if k == l { 1.0 } else { 0.0 })).collect()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// `true` without rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Two moons from the core's generator ([`tinymlp::datasets::make_moons`], the reference)
/// with Gaussian `noise`, `samples` rows shuffled and split 80/20 by
/// [`tinymlp::datasets::train_test_split`], both from one generator seeded with `seed`:
/// `(train, test)`, in raw coordinates.
pub fn moons(samples: usize, noise: f32, seed: u64) -> (Labelled<2>, Labelled<2>) {
    use tinymlp::Xoshiro128PlusPlus;
    use tinymlp::datasets::{make_moons, train_test_split};
    let mut x = vec![[0.0f32; 2]; samples];
    let mut t = vec![[0.0f32; 1]; samples];
    let mut rng = Xoshiro128PlusPlus::new(seed);
    make_moons(&mut x, &mut t, noise, &mut rng);
    let split = train_test_split(&mut x, &mut t, 0.2, &mut rng);
    let to = |x: &[[f32; 2]], t: &[[f32; 1]]| Labelled {
        x: x.to_vec(),
        label: t.iter().map(|l| l[0] as usize).collect(),
    };
    (to(&x[..split], &t[..split]), to(&x[split..], &t[split..]))
}

/// Reads a CSV file: a header row, `N` feature columns, then a last column `label` holding
/// an integer class in `0..classes`. Values are parsed as f64 and rounded to f32.
pub fn read_csv<const N: usize>(path: &Path, classes: usize) -> Result<Labelled<N>, DataError> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io { path: path.into(), source })?;
    parse_csv(file, path, classes)
}

/// [`read_csv`] from any reader (`path` only names it in errors).
pub fn parse_csv<const N: usize>(
    reader: impl std::io::Read,
    path: &Path,
    classes: usize,
) -> Result<Labelled<N>, DataError> {
    let p = || path.to_path_buf();
    let mut rdr =
        csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(reader);
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        match e.into_kind() {
            csv::ErrorKind::Io(source) => DataError::Io { path: p(), source },
            other => DataError::Csv { path: p(), line, message: format!("{other:?}") },
        }
    };
    let header: Vec<String> = rdr.headers().map_err(csv_err)?.iter().map(str::to_owned).collect();
    if header.len() != N + 1 || header[N] != "label" {
        return Err(DataError::Header { path: p(), expected: N, found: header });
    }
    let mut out = Labelled { x: Vec::new(), label: Vec::new() };
    for record in rdr.records() {
        let record = record.map_err(csv_err)?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() != N + 1 {
            return Err(DataError::Columns { path: p(), line, expected: N + 1, found: record.len() });
        }
        let mut row = [0.0f32; N];
        for (j, cell) in record.iter().enumerate() {
            let value: f64 = cell.parse().map_err(|_| DataError::NotANumber {
                path: p(),
                line,
                column: header[j].clone(),
                value: cell.to_owned(),
            })?;
            if !value.is_finite() || (j < N && !(value as f32).is_finite()) {
                return Err(DataError::NotFinite { path: p(), line, column: header[j].clone(), value });
            }
            if j < N {
                row[j] = value as f32;
            } else if value.fract() != 0.0 || value < 0.0 || value >= classes as f64 {
                return Err(DataError::BadLabel { path: p(), line, value, classes });
            } else {
                out.label.push(value as usize);
            }
        }
        out.x.push(row);
    }
    if out.x.is_empty() {
        return Err(DataError::Empty { path: p() });
    }
    Ok(out)
}

/// Writes rows as CSV with the header `x0,…,label`, floats with enough digits to read back
/// the same f32.
pub fn write_csv<const N: usize>(path: &Path, data: &Labelled<N>) -> std::io::Result<()> {
    let mut file = crate::report::AtomicFile::create(path)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file.file()));
    let mut header: Vec<String> = (0..N).map(|j| format!("x{j}")).collect();
    header.push("label".into());
    w.write_record(&header)?;
    for (row, label) in data.x.iter().zip(&data.label) {
        let mut rec: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        rec.push(label.to_string());
        w.write_record(&rec)?;
    }
    w.flush()?;
    drop(w);
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Labelled<2>, DataError> {
        parse_csv::<2>(text.as_bytes(), Path::new("d.csv"), 2)
    }

    #[test]
    fn moons_are_the_cores_split_80_20() {
        let (train, test) = moons(100, 0.1, 5);
        assert_eq!((train.len(), test.len()), (80, 20));
        let mut all: Vec<([f32; 2], usize)> = train
            .x
            .iter()
            .zip(&train.label)
            .chain(test.x.iter().zip(&test.label))
            .map(|(x, l)| (*x, *l))
            .collect();
        let mut x = vec![[0.0f32; 2]; 100];
        let mut t = vec![[0.0f32; 1]; 100];
        tinymlp::datasets::make_moons(&mut x, &mut t, 0.1, &mut tinymlp::Xoshiro128PlusPlus::new(5));
        let mut core: Vec<([f32; 2], usize)> = x.iter().zip(&t).map(|(x, t)| (*x, t[0] as usize)).collect();
        let key = |a: &([f32; 2], usize)| (a.0[0].to_bits(), a.0[1].to_bits(), a.1);
        all.sort_by_key(key);
        core.sort_by_key(key);
        assert_eq!(all, core);
        assert_eq!(moons(100, 0.1, 5), (train, test));
    }

    #[test]
    fn reads_good_rows() {
        let d = parse("x0,x1,label\n0.5,-1,1\n2, 3e-2 ,0\n").unwrap();
        assert_eq!(d.x, vec![[0.5, -1.0], [2.0, 0.03]]);
        assert_eq!(d.label, vec![1, 0]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        let e = parse("x0,x1,label\n0.5,1,1\n0.5,abc,0\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv, line 3, column `x1`: \"abc\" is not a number");
        let e = parse("x0,x1,label\n0.5,1\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv, line 2: expected 3 columns, found 2");
        let e = parse("x0,x1,label\n1,NaN,1\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv, line 2, column `x1`: NaN is not finite");
        let e = parse("x0,x1,label\n1,1e39,1\n").unwrap_err().to_string();
        assert!(e.contains("line 2, column `x1`") && e.contains("not finite"), "{e}");
        let e = parse("x0,x1,label\n1,2,3\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv, line 2: label 3 is not a class (expected an integer 0..2)");
        let e = parse("a,b,c\n1,2,0\n").unwrap_err().to_string();
        assert!(e.contains("header must be 2 feature columns then a column named `label`"), "{e}");
        let e = parse("x0,x1,label\n").unwrap_err().to_string();
        assert_eq!(e, "d.csv: no data rows");
    }
}
