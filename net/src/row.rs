//! One row of a runtime-shaped network's inputs, outputs or targets.

use tinymlp::numeric::{Signal, Zero};

/// The widest row a [`Net`](crate::Net) takes or gives: its inputs, its outputs and its
/// targets (hidden layers may be wider; they live in the network's own buffers).
pub const MAX_ROW: usize = 256;

/// Up to [`MAX_ROW`] values: the `Input` and `Output` of a [`Net`](crate::Net). A fixed-size
/// value, so slices of rows are what the core's trainer, `fit` and `evaluate` expect;
/// [`Signal::as_slice`] gives only the values in use.
///
/// ```
/// use tinymlp::numeric::Signal;
/// use tinymlp_net::Row;
/// let r = Row::from_slice(&[1.0, 2.5]);
/// assert_eq!(r.as_slice(), &[1.0, 2.5]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Row {
    len: u16,
    values: [f32; MAX_ROW],
}

impl Row {
    /// A row holding `v`. Panics when `v` has more than [`MAX_ROW`] values (see
    /// [`Row::try_from_slice`]).
    pub fn from_slice(v: &[f32]) -> Row {
        Self::try_from_slice(v)
            .unwrap_or_else(|| panic!("a row holds at most {MAX_ROW} values, not {}", v.len()))
    }

    /// A row holding `v`, or `None` when `v` has more than [`MAX_ROW`] values.
    pub fn try_from_slice(v: &[f32]) -> Option<Row> {
        let mut r = Row::ZERO;
        r.set(v).then_some(r)
    }

    /// `len` zeros (at most [`MAX_ROW`]).
    pub fn zeros(len: usize) -> Row {
        let mut r = Row::ZERO;
        r.len = len.min(MAX_ROW) as u16;
        r
    }

    /// Replaces the values by `v`; `false` (and nothing changed) when `v` is too long.
    pub fn set(&mut self, v: &[f32]) -> bool {
        if v.len() > MAX_ROW {
            return false;
        }
        self.values[..v.len()].copy_from_slice(v);
        self.len = v.len() as u16;
        true
    }

    /// Number of values in use.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` when the row holds no value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Zero for Row {
    const ZERO: Row = Row { len: 0, values: [0.0; MAX_ROW] };
}

impl Signal for Row {
    /// The capacity; [`Signal::as_slice`] has the row's own length.
    const LEN: usize = MAX_ROW;

    fn as_slice(&self) -> &[f32] {
        &self.values[..self.len as usize]
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.values[..self.len as usize]
    }
}
