//! PNG figures like the tutorial's, drawn with `plotters`: every axis labelled, titles
//! that say what is shown, legends in their own strip outside the data, the Okabe–Ito
//! colour-blind-safe palette.

use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// No TrueType font was found for the labels.
    #[error(
        "no font found for the figure's labels (looked for {0}); install one, e.g. `apt-get install fonts-dejavu-core`, or set TINYMLP_FONT to a .ttf file"
    )]
    NoFont(String),
    /// Drawing failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The output file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Nothing to draw.
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    /// An axis whose range is not finite in f32.
    #[error(
        "cannot draw {what}: its values span {lo:e} to {hi:e}, a range beyond f32 (at most ±3.4e38, with a margin); rescale the data"
    )]
    Range {
        /// The axis.
        what: String,
        /// The smallest value.
        lo: f64,
        /// The largest value.
        hi: f64,
    },
}

/// An axis from `lo` to `hi` (the values' extremes) widened by `margin` of its span on each
/// side (at least a little, so it is never empty), or an error when the axis does not fit
/// f32: plotting libraries do not stop on infinite or overflowing ranges.
pub fn axis(lo: f32, hi: f32, margin: f64, what: &str) -> Result<(f32, f32), PlotError> {
    let err = || PlotError::Range { what: what.into(), lo: lo as f64, hi: hi as f64 };
    if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
        return Err(err());
    }
    let (l, h) = (lo as f64, hi as f64);
    let pad = ((h - l) * margin).max(1e-3 * l.abs().max(h.abs()).max(1.0));
    let (a, b) = ((l - pad) as f32, (h + pad) as f32);
    if !(a.is_finite() && b.is_finite() && a < b && ((b as f64 - a as f64) as f32).is_finite()) {
        return Err(err());
    }
    Ok((a, b))
}

const FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Registers a TrueType font as "sans-serif" once (from `TINYMLP_FONT` or a system path).
pub(crate) fn font() -> Result<(), PlotError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        let mut candidates: Vec<String> = FONT_PATHS.iter().map(|s| s.to_string()).collect();
        if let Ok(p) = std::env::var("TINYMLP_FONT") {
            candidates.insert(0, p);
        }
        for p in &candidates {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return Ok(());
                }
            }
        }
        Err(candidates.join(", "))
    })
    .clone()
    .map_err(PlotError::NoFont)
}

pub(crate) fn draw_err(path: &Path) -> impl Fn(String) -> PlotError + '_ {
    move |message| PlotError::Draw { path: path.display().to_string(), message }
}

macro_rules! tri {
    ($e:expr, $path:expr) => {
        $e.map_err(|e| $crate::plot::draw_err($path)(e.to_string()))?
    };
}

mod activations;
mod bars;
mod boundary;
mod history;
mod lines;
pub mod style;

pub use activations::activations;
pub use bars::{BarPanel, BarSeries, bars};
pub use boundary::{Names, Predictor, boundary, boundary_fn, class_regions, scatter};
pub use history::history;
pub use lines::{Panel, panels};
