//! `tinymlp compare`: the same rows through the host and the emulated board, bit for bit.

use crate::board::Board;
use crate::data::Labelled;
use crate::device::{Device, DeviceError, Sizes, elf_sizes};
use crate::train::Trained;
use std::path::Path;

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

/// What a comparison found.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Comparison {
    /// The board.
    pub board: &'static str,
    /// Its core.
    pub core: &'static str,
    /// The model's id (CRC-32 of its binary form).
    pub model_id: String,
    /// Rows compared.
    pub rows: usize,
    /// Rows whose outputs have the same bits on both sides.
    pub bit_exact_rows: usize,
    /// Largest |host − device| over all outputs.
    pub max_abs_diff: f32,
    /// Largest distance in units in the last place.
    pub max_ulp: u32,
    /// Rows where both sides predict the same class.
    pub class_agreement: usize,
    /// Device accuracy against the labels.
    pub device_accuracy: f32,
    /// Flash and static RAM of the firmware, from the ELF.
    pub sizes: Sizes,
    /// Deepest stack use measured on the device (painted stack), bytes.
    pub stack_high_water: u32,
    /// Rows where the device refused the request (should be 0).
    pub refused: usize,
    /// QEMU's exit status after the exit request.
    pub exit_status: i32,
    /// `true` when every row is bit-exact and the device exited cleanly.
    pub ok: bool,
}

/// Streams every row to the firmware `elf` running on `board` and compares each answer with
/// the host's computation of the same model.
pub fn compare(
    board: Board,
    elf: &Path,
    model: &Trained,
    data: &Labelled<2>,
) -> Result<Comparison, DeviceError> {
    let model_id = model.model_id();
    let sizes = elf_sizes(elf)?;
    let mut dev = Device::start(board, elf)?;
    let info = dev.info()?;
    if info[0] != model_id {
        return Err(DeviceError::Protocol(format!(
            "the firmware runs model {:#010x}, the host has {model_id:#010x}: rebuild the firmware with this model",
            info[0]
        )));
    }
    let mut c = Comparison {
        board: board.name,
        core: board.core,
        model_id: format!("{model_id:#010x}"),
        rows: data.len(),
        bit_exact_rows: 0,
        max_abs_diff: 0.0,
        max_ulp: 0,
        class_agreement: 0,
        device_accuracy: 0.0,
        sizes,
        stack_high_water: 0,
        refused: 0,
        exit_status: -1,
        ok: false,
    };
    let mut correct = 0;
    for (x, &label) in data.x.iter().zip(&data.label) {
        let host = model.predict(x);
        match dev.infer(model_id, x)? {
            Ok((y, class)) => {
                let d = y.first().copied().unwrap_or(f32::NAN);
                if d.to_bits() == host.to_bits() {
                    c.bit_exact_rows += 1;
                }
                c.max_abs_diff = c.max_abs_diff.max((d - host).abs());
                c.max_ulp = c.max_ulp.max(ulp_distance(d, host));
                if class == u8::from(host > 0.5) {
                    c.class_agreement += 1;
                }
                if class as usize == label {
                    correct += 1;
                }
            }
            Err(_) => c.refused += 1,
        }
    }
    c.device_accuracy = correct as f32 / data.len().max(1) as f32;
    c.stack_high_water = dev.info()?[5];
    c.exit_status = dev.exit(0)?;
    c.ok = c.bit_exact_rows == c.rows && c.refused == 0 && c.exit_status == 0;
    Ok(c)
}

impl Comparison {
    /// The table printed by `tinymlp compare`.
    pub fn table(&self) -> String {
        let rows = [
            ("board", format!("{} ({})", self.board, self.core)),
            ("model", self.model_id.clone()),
            ("rows", self.rows.to_string()),
            ("bit-exact rows", format!("{} / {}", self.bit_exact_rows, self.rows)),
            ("max |difference|", format!("{:e}", self.max_abs_diff)),
            ("max ULP distance", self.max_ulp.to_string()),
            ("class agreement", format!("{} / {}", self.class_agreement, self.rows)),
            ("device accuracy", format!("{:.4}", self.device_accuracy)),
            ("flash used", format!("{} B", self.sizes.flash)),
            ("static RAM used", format!("{} B", self.sizes.ram)),
            ("stack high-water", format!("{} B", self.stack_high_water)),
            ("refused requests", self.refused.to_string()),
            ("verdict", if self.ok { "bit-exact on every row".into() } else { "MISMATCH".into() }),
        ];
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
}
