//! A Keras-like `model.summary()` that needs no allocation.

use crate::layers::{Layer, LayerKind};
use core::fmt;

/// Displays a model like Keras' `model.summary()`: one line per layer (type, output
/// shape, parameters), then the totals in parameters and bytes. Works with `core::fmt`
/// only, so the firmware can log it too.
///
/// ```
/// use tinymlp::{sequential, Activation::*, Dense, Sequential, Summary};
/// let net: Sequential![Dense<2, 4>, Dense<4, 1>] = sequential![Dense::new(Relu), Dense::new(Sigmoid)];
/// let text = format!("{}", Summary(&net));
/// assert!(text.contains("Total params: 17 (68 B)"));
/// ```
pub struct Summary<'a, M>(pub &'a M);

impl<M: Layer> fmt::Display for Summary<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "──────────────────────────────────────────────────────────────";
        writeln!(f, "{rule}")?;
        writeln!(f, "{:<32}{:<16}{:>14}", "Layer (type)", "Output Shape", "Param #")?;
        writeln!(f, "{rule}")?;
        let mut index = 0usize;
        let mut result = Ok(());
        self.0.describe(&mut |info| {
            if result.is_err() {
                return;
            }
            let mut name: cell_text::Name = cell_text::Name::new();
            let names = info.kind.names();
            let (file, ty) = (names.file, names.rust);
            let _ = match info.kind {
                LayerKind::Dense(a) => {
                    fmt::write(&mut name, format_args!("{file}_{index} ({ty}, {})", a.name()))
                }
                LayerKind::Dropout { rate } => {
                    fmt::write(&mut name, format_args!("{file}_{index} ({ty} {rate})"))
                }
                // The block's extent: the next `layers` lines are inside it.
                LayerKind::Residual { layers } => {
                    fmt::write(&mut name, format_args!("{file}_{index} ({ty} of {layers})"))
                }
                _ => fmt::write(&mut name, format_args!("{file}_{index} ({ty})")),
            };
            let mut shape = cell_text::Name::new();
            let _ = fmt::write(&mut shape, format_args!("(None, {})", info.outputs));
            let frozen = if info.trains { "" } else { " frozen" };
            result = writeln!(
                f,
                "{:<32}{:<16}{:>14}{frozen}",
                name.as_str(),
                shape.as_str(),
                Thousands(info.trainable + info.non_trainable)
            );
            index += 1;
        });
        result?;
        writeln!(f, "{rule}")?;
        let (mut t, mut n) = (0, 0);
        self.0.describe(&mut |info| {
            t += info.trainable;
            n += info.non_trainable;
        });
        writeln!(f, " Total params: {} ({})", Thousands(t + n), Bytes((t + n) * 4))?;
        writeln!(f, " Trainable params: {} ({})", Thousands(t), Bytes(t * 4))?;
        writeln!(f, " Non-trainable params: {} ({})", Thousands(n), Bytes(n * 4))?;
        write!(f, "{rule}")
    }
}

/// An integer printed with thousands separators: `3,265`.
pub struct Thousands(pub usize);

impl fmt::Display for Thousands {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u8; 20];
        let mut n = self.0;
        let mut len = 0;
        loop {
            digits[len] = b'0' + (n % 10) as u8;
            len += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut buf = cell_text::Name::new();
        for i in (0..len).rev() {
            let _ = fmt::Write::write_char(&mut buf, digits[i] as char);
            if i > 0 && i % 3 == 0 {
                let _ = fmt::Write::write_char(&mut buf, ',');
            }
        }
        f.pad(buf.as_str())
    }
}

/// A byte count printed like Keras does: `68 B`, `11.88 KB`.
pub struct Bytes(pub usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 < 1024 {
            write!(f, "{} B", self.0)
        } else if self.0 < 1024 * 1024 {
            write!(f, "{:.2} KB", self.0 as f32 / 1024.0)
        } else {
            write!(f, "{:.2} MB", self.0 as f32 / (1024.0 * 1024.0))
        }
    }
}

/// A 48-byte text buffer for formatting one cell without allocation (text beyond it is cut).
mod cell_text {
    pub struct Name {
        buf: [u8; 48],
        len: usize,
    }
    impl Name {
        pub const fn new() -> Self {
            Self { buf: [0; 48], len: 0 }
        }
        pub fn as_str(&self) -> &str {
            core::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
        }
    }
    impl core::fmt::Write for Name {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            for c in s.chars() {
                let mut tmp = [0u8; 4];
                let e = c.encode_utf8(&mut tmp).as_bytes();
                if self.len + e.len() > self.buf.len() {
                    return Ok(());
                }
                self.buf[self.len..self.len + e.len()].copy_from_slice(e);
                self.len += e.len();
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_and_bytes() {
        assert_eq!(format!("{}", Thousands(0)), "0");
        assert_eq!(format!("{}", Thousands(999)), "999");
        assert_eq!(format!("{}", Thousands(3265)), "3,265");
        assert_eq!(format!("{}", Thousands(1_234_567)), "1,234,567");
        assert_eq!(format!("{:>8}", Thousands(3265)), "   3,265");
        assert_eq!(format!("{}", Bytes(12_164)), "11.88 KB");
    }
}
