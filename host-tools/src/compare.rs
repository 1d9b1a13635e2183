//! `tinymlp compare`: the same rows through the host and the emulated board, bit for bit.

use crate::board::Board;
use crate::data::Labelled;
use crate::device::{Device, DeviceError, Sizes, elf_sizes};
use crate::train::Trained;
use std::path::Path;
use tinymlp::numeric::{Signal, Zero};
use tinymlp::{Activation, Layer};
use tinymlp_net::Net;
use tinymlp_protocol::{ErrorCode, Response};

/// Distance between two floats in units in the last place (0 when the bits are equal;
/// +0 and −0 are 1 apart; any NaN is `u32::MAX` from everything).
pub fn ulp_distance(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        return if a.to_bits() == b.to_bits() { 0 } else { u32::MAX };
    }
    // Map the bits onto a line where adjacent floats are adjacent integers.
    let key = |x: f32| {
        let i = x.to_bits() as i32;
        if i < 0 { i32::MIN.wrapping_sub(i) as i64 - 1 } else { i as i64 }
    };
    (key(a) - key(b)).unsigned_abs().min(u32::MAX as u64) as u32
}

/// The host's side of a comparison: a model of any shape, computed on the host.
///
/// Implemented for const-generic models ([`Typed`]) and for the tutorial's models as the
/// host tools load them ([`Trained`]).
pub trait HostModel {
    /// The model's id: the CRC-32 of its binary form (what the firmware reports).
    fn id(&self) -> u32;
    /// Values per input row.
    fn inputs(&self) -> usize;
    /// Values per output row.
    fn outputs(&self) -> usize;
    /// The output layer's activation (softmax: classes; sigmoid: binary; else regression).
    fn output_activation(&self) -> Option<Activation>;
    /// The outputs for one row.
    fn predict_row(&self, x: &[f32]) -> Vec<f32>;
    /// Flat parameters in visiting order (the model file's order).
    fn values(&self) -> Vec<f32>;
    /// The shapes (inputs, outputs) of the model's dense layers, in order.
    fn dense_shapes(&self) -> Vec<(usize, usize)>;
    /// An int8 model's output codes for one row (`None` for an `f32` model): the device
    /// replies with them after the dequantised outputs, and they are compared too.
    fn predict_codes(&self, _x: &[f32]) -> Option<Vec<i8>> {
        None
    }
}

/// An int8 model: its id is the CRC-32 of its file without metadata, its outputs the
/// dequantised codes.
impl HostModel for tinymlp_net::QNet {
    fn id(&self) -> u32 {
        tinymlp_net::QNet::id(self)
    }
    fn inputs(&self) -> usize {
        tinymlp_net::QNet::inputs(self)
    }
    fn outputs(&self) -> usize {
        tinymlp_net::QNet::outputs(self)
    }
    fn output_activation(&self) -> Option<Activation> {
        match self.specs().last() {
            Some(tinymlp_net::QLayerSpec::Sigmoid { .. }) => Some(Activation::Sigmoid),
            Some(tinymlp_net::QLayerSpec::Softmax { .. }) => Some(Activation::Softmax),
            Some(tinymlp_net::QLayerSpec::Tanh { .. }) => Some(Activation::Tanh),
            _ => None,
        }
    }
    fn predict_row(&self, x: &[f32]) -> Vec<f32> {
        self.predict(x).0
    }
    fn values(&self) -> Vec<f32> {
        Vec::new()
    }
    fn dense_shapes(&self) -> Vec<(usize, usize)> {
        self.specs()
            .iter()
            .filter_map(|s| match s {
                tinymlp_net::QLayerSpec::Dense { inputs, units, .. } => Some((*inputs, *units)),
                _ => None,
            })
            .collect()
    }
    fn predict_codes(&self, x: &[f32]) -> Option<Vec<i8>> {
        Some(self.predict(x).1)
    }
}

/// A const-generic model (`Sequential![…]`) as a [`HostModel`].
pub struct Typed<'a, M>(pub &'a M);

impl<M: Layer> HostModel for Typed<'_, M> {
    fn id(&self) -> u32 {
        tinymlp::io::model_id(self.0).expect("a model with finite parameters")
    }
    fn inputs(&self) -> usize {
        <M::Input as Signal>::LEN
    }
    fn outputs(&self) -> usize {
        <M::Output as Signal>::LEN
    }
    fn output_activation(&self) -> Option<Activation> {
        self.0.output_activation()
    }
    fn predict_row(&self, x: &[f32]) -> Vec<f32> {
        let mut input = M::Input::ZERO;
        input.as_mut_slice().copy_from_slice(x);
        let mut y = M::Output::ZERO;
        self.0.forward(&input, &mut y);
        y.as_slice().to_vec()
    }
    fn values(&self) -> Vec<f32> {
        let mut v = Vec::new();
        self.0.tensors(&mut |_, t| v.extend_from_slice(t));
        v
    }
    fn dense_shapes(&self) -> Vec<(usize, usize)> {
        crate::bench::dense_shapes(self.0)
    }
}

impl HostModel for Net {
    fn id(&self) -> u32 {
        Net::id(self).expect("a model with finite parameters")
    }
    fn inputs(&self) -> usize {
        Net::inputs(self)
    }
    fn outputs(&self) -> usize {
        Net::outputs(self)
    }
    fn output_activation(&self) -> Option<Activation> {
        Layer::output_activation(self)
    }
    fn predict_row(&self, x: &[f32]) -> Vec<f32> {
        self.predict(x)
    }
    fn values(&self) -> Vec<f32> {
        let mut v = Vec::new();
        self.tensors(&mut |_, t| v.extend_from_slice(t));
        v
    }
    fn dense_shapes(&self) -> Vec<(usize, usize)> {
        crate::bench::dense_shapes(self)
    }
}

impl HostModel for Trained {
    fn id(&self) -> u32 {
        self.model_id()
    }
    fn inputs(&self) -> usize {
        2
    }
    fn outputs(&self) -> usize {
        1
    }
    fn output_activation(&self) -> Option<Activation> {
        Some(Activation::Sigmoid)
    }
    fn predict_row(&self, x: &[f32]) -> Vec<f32> {
        vec![self.predict(&[x[0], x[1]])]
    }
    fn values(&self) -> Vec<f32> {
        let mut v = Vec::new();
        match self {
            Trained::Perceptron(m) => m.tensors(&mut |_, t| v.extend_from_slice(t)),
            Trained::Mlp(m) => m.tensors(&mut |_, t| v.extend_from_slice(t)),
            Trained::Plain(m) => m.tensors(&mut |_, t| v.extend_from_slice(t)),
        }
        v
    }
    fn dense_shapes(&self) -> Vec<(usize, usize)> {
        Trained::dense_shapes(self)
    }
}

/// Reads a model file (JSON or binary) of any architecture, as the firmware's build does
/// ([`Net::read`]).
pub fn load_net(path: &Path) -> Result<Net, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Net::read(&bytes).map_err(|e| {
        if crate::model_io::load_int8(path).is_ok_and(|q| q.is_some()) {
            format!(
                "{}: an int8 model, which is inference only (fine-tuning needs an f32 model; \
                 `compare` and `bench` run int8 models on the boards)",
                path.display()
            )
        } else {
            format!("{}: {e}", path.display())
        }
    })
}

/// What a JSON model file's metadata says of its data: the label column and the class
/// names in the order of the outputs (the `label` and `classes` keys `tinymlp train`
/// writes); `(None, [])` for a binary file or a file without them.
pub fn file_labels(path: &Path) -> (Option<String>, Vec<String>) {
    let Ok(bytes) = std::fs::read(path) else { return (None, Vec::new()) };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return (None, Vec::new()) };
    let meta = &v["metadata"];
    let label = meta["label"].as_str().map(str::to_owned);
    let classes = meta["classes"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    (label, classes)
}

/// The feature names a JSON model file's metadata gives (`features`), if any.
pub fn file_features(path: &Path) -> Vec<String> {
    let Ok(bytes) = std::fs::read(path) else { return Vec::new() };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return Vec::new() };
    v["metadata"]["features"]
        .as_array()
        .map(|a| a.iter().filter_map(|c| c.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// The host's side of a comparison: an int8 model file as its [`tinymlp_net::QNet`], any
/// other as [`load_net`] reads it.
pub fn load_host_model(path: &Path) -> Result<Box<dyn HostModel>, String> {
    match crate::model_io::load_int8(path) {
        Ok(Some(q)) => Ok(Box::new(q.net)),
        Err(e) => Err(e.to_string()),
        Ok(None) => Ok(Box::new(load_net(path)?)),
    }
}

/// What a model's outputs mean, from its output layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Task {
    /// One sigmoid output: class 1 when above 0.5.
    Binary,
    /// Several outputs: the class is the largest.
    Classes,
    /// Values (regression): no class.
    Regression,
}

impl Task {
    /// The task of `m`'s outputs.
    pub fn of(m: &dyn HostModel) -> Self {
        match (m.outputs(), m.output_activation()) {
            (1, Some(Activation::Sigmoid)) => Task::Binary,
            (1, _) => Task::Regression,
            _ => Task::Classes,
        }
    }

    /// The class of outputs `y` (0 for regression).
    pub fn class(self, y: &[f32]) -> usize {
        match self {
            Task::Binary => usize::from(y[0] > 0.5),
            Task::Classes => tinymlp::eval::metrics::argmax(y),
            Task::Regression => 0,
        }
    }
}

/// Rows to stream: raw features (the model scales them) and each row's target — its class
/// index, or its value for regression.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    /// Feature rows, all of the same length.
    pub x: Vec<Vec<f32>>,
    /// The class index (as f32) or the value of each row; empty when the file has no label
    /// column (`tinymlp compare` then checks the outputs only).
    pub target: Vec<f32>,
    /// The class names, in index order (empty for numeric labels and regression).
    pub classes: Vec<String>,
}

impl Rows {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// `true` when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

impl<const N: usize> From<&Labelled<N>> for Rows {
    fn from(d: &Labelled<N>) -> Self {
        Rows {
            x: d.x.iter().map(|r| r.to_vec()).collect(),
            target: d.label.iter().map(|&l| l as f32).collect(),
            classes: Vec::new(),
        }
    }
}

/// Reads a CSV with a header line, feature columns and one label column, with the host's
/// table reader (`table::read_table`, [`Columns::Training`](crate::table::Columns)): `label`
/// names the column, or else it is the column `label`, or else the last one. Labels that are
/// all numbers are class indices (or values); otherwise they are class names, numbered in
/// sorted order (or in the order of `classes` when given). Errors name the file.
pub fn read_rows(path: &Path, label: Option<&str>, classes: &[String]) -> Result<Rows, String> {
    let table = crate::table::read_table(path, crate::table::Columns::Training { label })
        .map_err(|e| e.to_string())?;
    let labels = table.labels().map_err(|e| e.to_string())?.values.clone();
    targets(path, table.x, &labels, classes)
}

/// Reads rows for a model of `inputs` inputs named `features` (empty: unnamed), as
/// `tinymlp predict` finds them ([`Columns::Model`](crate::table::Columns)): the model's
/// columns by name, else the others in order; the label column when `label`, the model's
/// `model_label`, a column `label` or the last of one column more than the inputs gives
/// one. A file of the inputs alone is read without labels: [`Rows::target`] is empty.
pub fn read_rows_for(
    path: &Path,
    label: Option<&str>,
    model_label: &str,
    classes: &[String],
    features: &[String],
    inputs: usize,
) -> Result<Rows, String> {
    use crate::table::{Columns, TableError, read_table};
    // Unnamed inputs: the columns are taken in order (unless the file names them so).
    let unnamed: Vec<String> = (0..inputs).map(|i| format!("input {}", i + 1)).collect();
    let features = if features.len() == inputs { features } else { &unnamed[..] };
    let columns = |need_label| Columns::Model { features, model_label, label_flag: label, need_label };
    let table = match read_table(path, columns(true)) {
        Err(TableError::NoLabel { .. }) => read_table(path, columns(false)),
        other => other,
    }
    .map_err(|e| e.to_string())?;
    match &table.label {
        Some(l) => {
            let labels = l.values.clone();
            targets(path, table.x, &labels, classes)
        }
        None => Ok(Rows { x: table.x, target: Vec::new(), classes: classes.to_vec() }),
    }
}

/// Rows with their labels as targets: numbers as they are (without `classes`), class names
/// numbered in the order of `classes`, else sorted.
fn targets(path: &Path, x: Vec<Vec<f32>>, labels: &[String], classes: &[String]) -> Result<Rows, String> {
    let numeric: Option<Vec<f32>> = labels.iter().map(|l| l.parse::<f32>().ok()).collect();
    let (target, classes) = match numeric {
        Some(v) if classes.is_empty() => (v, Vec::new()),
        _ => {
            let mut names: Vec<String> = classes.to_vec();
            if names.is_empty() {
                names = labels.to_vec();
                names.sort();
                names.dedup();
            }
            let target = labels
                .iter()
                .map(|l| {
                    names
                        .iter()
                        .position(|n| n == l)
                        .map(|i| i as f32)
                        .ok_or(format!("{}: class {l:?} is not one of {names:?}", path.display()))
                })
                .collect::<Result<Vec<f32>, String>>()?;
            (target, names)
        }
    };
    Ok(Rows { x, target, classes })
}

/// What a comparison found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Comparison {
    /// The board.
    pub board: &'static str,
    /// Its core.
    pub core: &'static str,
    /// The model's id (CRC-32 of its binary form).
    pub model_id: String,
    /// What the outputs mean.
    pub task: Task,
    /// Values per input row.
    pub inputs: usize,
    /// Values per output row.
    pub outputs: usize,
    /// Rows compared.
    pub rows: usize,
    /// Rows whose outputs have the same bits on both sides.
    pub bit_exact_rows: usize,
    /// Largest |host − device| over all outputs.
    pub max_abs_diff: f32,
    /// Largest distance in units in the last place.
    pub max_ulp: u32,
    /// Rows where both sides predict the same class (every row for regression).
    pub class_agreement: usize,
    /// Device accuracy against the labels (classification), or the root mean squared error
    /// of the device's outputs against the targets (regression); `None` without labels.
    pub device_accuracy: Option<f32>,
    /// Flash and static RAM of the firmware, from the ELF (`None` on a serial port when no
    /// ELF was given).
    pub sizes: Option<Sizes>,
    /// Deepest stack use measured on the device (painted stack), bytes.
    pub stack_high_water: u32,
    /// Rows where the device refused the request (should be 0).
    pub refused: usize,
    /// QEMU's exit status after the exit request (0 on a serial port, where the board is
    /// left serving).
    pub exit_status: i32,
    /// The serial port the device answered on (`None`: QEMU started by the host).
    pub port: Option<String>,
    /// `true` when every row is bit-exact and the device exited cleanly.
    pub ok: bool,
}

/// Streams every row to the firmware `elf` running on `board` and compares each answer with
/// the host's computation of the same model: every output, bit for bit.
pub fn compare(
    board: Board,
    elf: &Path,
    model: &dyn HostModel,
    data: &Rows,
) -> Result<Comparison, DeviceError> {
    let sizes = elf_sizes(elf).map_err(|e| DeviceError::Protocol(format!("{}: {e}", elf.display())))?;
    compare_on(Device::start(board, elf)?, board, Some(sizes), model, data)
}

/// [`compare`] with a device already running (for example on a serial port, [`Device::open`]):
/// `board` names it in the report, `sizes` are its firmware's when known.
pub fn compare_on(
    mut dev: Device,
    board: Board,
    sizes: Option<Sizes>,
    model: &dyn HostModel,
    data: &Rows,
) -> Result<Comparison, DeviceError> {
    let model_id = model.id();
    let (n, k) = (model.inputs(), model.outputs());
    if let Some(row) = data.x.iter().find(|r| r.len() != n) {
        return Err(DeviceError::Protocol(format!(
            "the model takes {n} inputs, the data has rows of {}",
            row.len()
        )));
    }
    let info = dev.info()?;
    if info[0] != model_id {
        return Err(DeviceError::Protocol(format!(
            "the firmware runs model {:#010x}, the host has {model_id:#010x}: rebuild the firmware with this model",
            info[0]
        )));
    }
    if (info[1] as usize, info[2] as usize) != (n, k) {
        return Err(DeviceError::Protocol(format!(
            "the firmware's model takes {} inputs to {} outputs, the host's {n} to {k}",
            info[1], info[2]
        )));
    }
    let task = Task::of(model);
    let mut c = Comparison {
        board: board.name,
        core: board.core,
        model_id: format!("{model_id:#010x}"),
        task,
        inputs: n,
        outputs: k,
        rows: data.len(),
        bit_exact_rows: 0,
        max_abs_diff: 0.0,
        max_ulp: 0,
        class_agreement: 0,
        device_accuracy: None,
        sizes,
        stack_high_water: 0,
        refused: 0,
        exit_status: -1,
        port: (!dev.is_emulated()).then(|| dev.name().to_string()),
        ok: false,
    };
    let (mut correct, mut squared) = (0usize, 0.0f64);
    let labelled = !data.target.is_empty();
    for (row, x) in data.x.iter().enumerate() {
        let target = data.target.get(row).copied().unwrap_or(f32::NAN);
        let host = model.predict_row(x);
        let host_codes = model.predict_codes(x);
        let answer = dev.infer_bytes(model_id, x)?.map(|(bytes, class)| {
            // An int8 model's reply: the dequantised outputs, then the codes.
            let floats = if host_codes.is_some() { (4 * k).min(bytes.len()) } else { bytes.len() };
            let mut y = vec![0.0f32; floats / 4];
            tinymlp_protocol::read_f32s(&bytes[..floats], &mut y);
            let codes: Vec<i8> = bytes[floats..].iter().map(|&b| b as i8).collect();
            (y, codes, class)
        });
        match answer {
            // Not a result: the device says the model overflowed on this row.
            Err(Response::Error { code: ErrorCode::NonFiniteOutput, detail, .. }) => {
                let _ = dev.exit(0);
                return Err(DeviceError::Protocol(format!(
                    "row {} (of {}): the device's model gives a non-finite output {detail} (the host's: {:?})",
                    row + 1,
                    data.len(),
                    host.get(detail as usize)
                )));
            }
            Ok((y, codes, class)) => {
                let same_codes = host_codes.as_ref().is_none_or(|h| *h == codes);
                if same_codes
                    && y.len() == host.len()
                    && y.iter().zip(&host).all(|(d, h)| d.to_bits() == h.to_bits())
                {
                    c.bit_exact_rows += 1;
                }
                for (i, h) in host.iter().enumerate() {
                    let d = y.get(i).copied().unwrap_or(f32::NAN);
                    c.max_abs_diff = c.max_abs_diff.max((d - h).abs());
                    c.max_ulp = c.max_ulp.max(ulp_distance(d, *h));
                }
                match task {
                    Task::Regression => {
                        c.class_agreement += 1;
                        let e = f64::from(y.first().copied().unwrap_or(f32::NAN) - target);
                        squared += e * e;
                    }
                    _ => {
                        if class as usize == task.class(&host) {
                            c.class_agreement += 1;
                        }
                        if class as f32 == target {
                            correct += 1;
                        }
                    }
                }
            }
            Err(_) => c.refused += 1,
        }
    }
    let rows = data.len().max(1) as f64;
    c.device_accuracy = labelled.then(|| {
        if task == Task::Regression { (squared / rows).sqrt() as f32 } else { (correct as f64 / rows) as f32 }
    });
    c.stack_high_water = dev.info()?[5];
    c.exit_status = dev.exit(0)?;
    c.ok = c.bit_exact_rows == c.rows && c.refused == 0 && c.exit_status == 0;
    Ok(c)
}

impl Comparison {
    /// The table printed by `tinymlp compare`.
    pub fn table(&self) -> String {
        let mut rows = vec![
            ("board", format!("{} ({})", self.board, self.core)),
            ("model", self.model_id.clone()),
            ("rows", self.rows.to_string()),
            ("bit-exact rows", format!("{} / {}", self.bit_exact_rows, self.rows)),
            ("max |difference|", format!("{:e}", self.max_abs_diff)),
            ("max ULP distance", self.max_ulp.to_string()),
            ("class agreement", format!("{} / {}", self.class_agreement, self.rows)),
            match (self.task, self.device_accuracy) {
                (_, None) => ("device accuracy", "— (the file has no labels)".into()),
                (Task::Regression, Some(e)) => ("device RMSE", format!("{e:.4}")),
                (_, Some(a)) => ("device accuracy", format!("{a:.4}")),
            },
            (
                "flash used",
                self.sizes.map_or("unknown (--elf gives it)".into(), |s| format!("{} B", s.flash)),
            ),
            (
                "static RAM used",
                self.sizes.map_or("unknown (--elf gives it)".into(), |s| format!("{} B", s.ram)),
            ),
            ("stack high-water", format!("{} B", self.stack_high_water)),
            ("refused requests", self.refused.to_string()),
            ("verdict", if self.ok { "bit-exact on every row".into() } else { "MISMATCH".into() }),
        ];
        if let Some(port) = &self.port {
            rows.insert(1, ("serial port", port.clone()));
        }
        let mut s = String::new();
        for (k, v) in rows {
            s.push_str(&format!("{k:<20} {v}\n"));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulp_distances() {
        assert_eq!(ulp_distance(1.0, 1.0), 0);
        assert_eq!(ulp_distance(1.0, f32::from_bits(1.0f32.to_bits() + 3)), 3);
        assert_eq!(ulp_distance(0.0, -0.0), 1);
        assert_eq!(ulp_distance(f32::from_bits(1), -f32::from_bits(1)), 3);
        assert_eq!(ulp_distance(f32::NAN, 1.0), u32::MAX);
    }

    #[test]
    fn rows_of_any_width_with_a_named_label() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("d.csv");
        std::fs::write(&csv, "class,a,b,c\nbeta,1,2,3\nalpha,4,5,6\ngamma,7,8.5,9\n").unwrap();
        let r = read_rows(&csv, Some("class"), &[]).unwrap();
        assert_eq!(r.x, vec![vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0], vec![7.0, 8.5, 9.0]]);
        assert_eq!(
            (r.target, r.classes),
            (vec![1.0, 0.0, 2.0], vec!["alpha".into(), "beta".into(), "gamma".into()])
        );
        // The model's order of classes wins; numbers without classes are indices or values.
        let given: Vec<String> = ["gamma", "beta", "alpha"].map(String::from).to_vec();
        assert_eq!(read_rows(&csv, Some("class"), &given).unwrap().target, vec![1.0, 2.0, 0.0]);
        assert!(read_rows(&csv, Some("d"), &[]).is_err());
        assert!(read_rows(&csv, Some("c"), &[]).is_err()); // `class` would be a feature
        let numbers = dir.path().join("n.csv");
        std::fs::write(&numbers, "x,y\n0.5,1.25\n1,-2\n").unwrap();
        let r = read_rows(&numbers, None, &[]).unwrap(); // the last column
        assert_eq!((r.x, r.target), (vec![vec![0.5], vec![1.0]], vec![1.25, -2.0]));
        assert!(r.classes.is_empty());
    }

    #[test]
    fn rows_for_a_model_with_or_without_labels() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let names: Vec<String> = ["a", "b"].map(String::from).to_vec();
        // The inputs alone: no targets, every column a feature, by name in the model's order.
        let bare = write("bare.csv", "b,a\n2,1\n4,3\n");
        let r = read_rows_for(&bare, None, "label", &[], &names, 2).unwrap();
        assert_eq!((r.x, r.target.len()), (vec![vec![1.0, 2.0], vec![3.0, 4.0]], 0));
        // Unnamed inputs: in order; one column more is the label.
        let r = read_rows_for(&bare, None, "label", &[], &[], 2).unwrap();
        assert_eq!((r.x[0].clone(), r.target.len()), (vec![2.0, 1.0], 0));
        let more = write("more.csv", "p,q,r\n1,2,0\n3,4,1\n");
        let r = read_rows_for(&more, None, "label", &[], &[], 2).unwrap();
        assert_eq!((r.x, r.target), (vec![vec![1.0, 2.0], vec![3.0, 4.0]], vec![0.0, 1.0]));
        // The model's label column by name, wherever it is; class names in the model's order.
        let named = write("named.csv", "kind,a,b\nyes,1,2\nno,3,4\n");
        let classes: Vec<String> = ["no", "yes"].map(String::from).to_vec();
        let r = read_rows_for(&named, None, "kind", &classes, &names, 2).unwrap();
        assert_eq!((r.x[1].clone(), r.target), (vec![3.0, 4.0], vec![1.0, 0.0]));
        // A width that fits neither way is refused with both counts.
        let e = read_rows_for(&more, None, "label", &[], &names, 1).unwrap_err();
        assert!(e.contains("more.csv"), "{e}");
    }

    #[test]
    fn errors_name_the_file() {
        let missing = Path::new("/nonexistent/rows.csv");
        let e = read_rows(missing, None, &[]).unwrap_err();
        assert!(e.contains("/nonexistent/rows.csv"), "{e}");
    }
}
