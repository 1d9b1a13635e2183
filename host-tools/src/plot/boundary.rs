//! Two-feature figures: the data, decision boundaries and decision regions.

use super::style::{self, Entry, LABEL, Swatch, TITLE, Ticks, colour, tint};
use super::{PlotError, axis, font};
use crate::data::Labelled;
use crate::train::Trained;
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf32;
use plotters::prelude::*;
use std::path::Path;

/// Cells per side of the grid a model is evaluated on: ~2 pixels per cell, so the regions'
/// edges and the 0.5 contour look smooth.
const GRID: usize = 280;

/// What the classes and the two axes are called.
#[derive(Clone, Debug, PartialEq)]
pub struct Names {
    /// One name per class, in the order of the labels.
    pub classes: Vec<String>,
    /// The first feature.
    pub x: String,
    /// The second feature.
    pub y: String,
}

impl Names {
    /// `class 0` … `class k-1` over features `x1` and `x2`.
    pub fn generic(k: usize) -> Self {
        Self { classes: (0..k).map(|c| format!("class {c}")).collect(), x: "x1".into(), y: "x2".into() }
    }
}

/// A predictor of the probability of class 1, for [`boundary_fn`].
pub type Predictor<'a> = &'a dyn Fn(&[f32; 2]) -> f32;

type Chart<'a, 'b> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf32, RangedCoordf32>>;
type Area<'b> = DrawingArea<BitMapBackend<'b>, Shift>;

/// The points' bounding box, widened by a tenth on each side; an error when it does not fit
/// f32 (see [`axis`]).
fn padded_bounds(points: &[[f32; 2]], path: &Path) -> Result<(f32, f32, f32, f32), PlotError> {
    let (mut x0, mut x1, mut y0, mut y1) =
        (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
    for p in points {
        (x0, x1, y0, y1) = (x0.min(p[0]), x1.max(p[0]), y0.min(p[1]), y1.max(p[1]));
    }
    let (x0, x1) = axis(x0, x1, 0.1, &format!("{} (first feature)", path.display()))?;
    let (y0, y1) = axis(y0, y1, 0.1, &format!("{} (second feature)", path.display()))?;
    Ok((x0, x1, y0, y1))
}

/// A panel's chart: title, both axes described, no grid (the regions are the background).
fn chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    bounds: (f32, f32, f32, f32),
    names: &Names,
    path: &Path,
) -> Result<Chart<'a, 'b>, PlotError> {
    let (x0, x1, y0, y1) = bounds;
    let mut c = tri!(
        ChartBuilder::on(area)
            .caption(title, ("sans-serif", TITLE))
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1),
        path
    );
    let (xt, yt) = (Ticks::linear(x0 as f64, x1 as f64), Ticks::linear(y0 as f64, y1 as f64));
    let (xf, yf) = (|v: &f32| xt.label(*v as f64), |v: &f32| yt.label(*v as f64));
    tri!(
        c.configure_mesh()
            .disable_mesh()
            .x_desc(names.x.as_str())
            .y_desc(names.y.as_str())
            .axis_desc_style(("sans-serif", LABEL))
            .label_style(("sans-serif", 14))
            .x_label_formatter(&xf)
            .y_label_formatter(&yf)
            .draw(),
        path
    );
    Ok(c)
}

/// The points in their true class's colour with a black edge; a black cross over each one
/// whose predicted class differs. Returns how many were misclassified.
fn draw_points(
    c: &mut Chart<'_, '_>,
    points: &[[f32; 2]],
    labels: &[usize],
    predicted: Option<&[usize]>,
    path: &Path,
) -> Result<usize, PlotError> {
    let xy = |p: &[f32; 2]| (p[0], p[1]);
    tri!(
        c.draw_series(points.iter().zip(labels).map(|(p, &l)| Circle::new(xy(p), 4, colour(l).filled()))),
        path
    );
    tri!(c.draw_series(points.iter().map(|p| Circle::new(xy(p), 4, BLACK.stroke_width(1)))), path);
    let Some(pred) = predicted else { return Ok(0) };
    let wrong: Vec<(f32, f32)> =
        points.iter().zip(labels).zip(pred).filter(|((_, l), p)| l != p).map(|((p, _), _)| xy(p)).collect();
    tri!(c.draw_series(wrong.iter().map(|&p| Cross::new(p, 6, BLACK.stroke_width(2)))), path);
    Ok(wrong.len())
}

/// The legend of a panel of labelled points.
fn class_entries(names: &Names, extra: Vec<Entry>) -> Vec<Entry> {
    let mut e: Vec<Entry> = names
        .classes
        .iter()
        .enumerate()
        .map(|(k, n)| Entry::new(n.clone(), Swatch::Dot(colour(k))))
        .collect();
    e.extend(extra);
    e
}

/// The `level` contour of values on a grid of cell centres, by marching squares: line
/// segments between the points where the linearly interpolated values cross `level`.
fn contour(g: &[f32], n: usize, bounds: (f32, f32, f32, f32), level: f32) -> Vec<[(f32, f32); 2]> {
    let (x0, x1, y0, y1) = bounds;
    let (dx, dy) = ((x1 - x0) / n as f32, (y1 - y0) / n as f32);
    let (cx, cy) = (|i: usize| x0 + (i as f32 + 0.5) * dx, |j: usize| y0 + (j as f32 + 0.5) * dy);
    let frac = |a: f32, b: f32| ((level - a) / (b - a)).clamp(0.0, 1.0);
    let mut segments = vec![];
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let (a, b, c, d) = (g[j * n + i], g[j * n + i + 1], g[(j + 1) * n + i + 1], g[(j + 1) * n + i]);
            let side = |v: f32| v > level;
            // crossings on the bottom, right, top and left edges
            let cross = [
                (side(a) != side(b)).then(|| (cx(i) + dx * frac(a, b), cy(j))),
                (side(b) != side(c)).then(|| (cx(i + 1), cy(j) + dy * frac(b, c))),
                (side(d) != side(c)).then(|| (cx(i) + dx * frac(d, c), cy(j + 1))),
                (side(a) != side(d)).then(|| (cx(i), cy(j) + dy * frac(a, d))),
            ];
            let found: Vec<(f32, f32)> = cross.iter().flatten().copied().collect();
            match found.len() {
                2 => segments.push([found[0], found[1]]),
                4 => {
                    // a saddle: the centre's side says which corners are cut off
                    let [Some(bo), Some(r), Some(t), Some(l)] = cross else { continue };
                    if side((a + b + c + d) / 4.0) == side(a) {
                        segments.extend([[bo, r], [t, l]]);
                    } else {
                        segments.extend([[l, bo], [r, t]]);
                    }
                }
                _ => {}
            }
        }
    }
    segments
}

/// Decision boundaries of one or more binary models side by side, over labelled points
/// (classes and features named generically).
pub fn boundary(models: &[(&str, &Trained)], data: &Labelled<2>, path: &Path) -> Result<(), PlotError> {
    let fns: Vec<_> = models.iter().map(|(n, m)| (*n, move |x: &[f32; 2]| m.predict(x))).collect();
    let refs: Vec<(&str, Predictor<'_>)> = fns.iter().map(|(n, f)| (*n, f as Predictor<'_>)).collect();
    boundary_fn(&refs, data, &Names::generic(2), path)
}

/// Decision boundaries of binary classifiers side by side, one panel each: the background
/// takes the predicted class's colour, paler where the probability is near 0.5; the black
/// line is the 0.5 contour; each point has its true class's colour, crossed when the
/// model misclassifies it.
pub fn boundary_fn(
    models: &[(&str, Predictor<'_>)],
    data: &Labelled<2>,
    names: &Names,
    path: &Path,
) -> Result<(), PlotError> {
    if data.is_empty() || models.is_empty() {
        return Err(PlotError::Empty("no points or no model"));
    }
    font()?;
    let bounds = padded_bounds(&data.x, path)?;
    let (x0, x1, y0, y1) = bounds;
    let (pw, ph) = (600u32, 560u32);
    let predicted: Vec<Vec<usize>> =
        models.iter().map(|(_, m)| data.x.iter().map(|p| usize::from(m(p) >= 0.5)).collect()).collect();
    let entries: Vec<Vec<Entry>> = predicted
        .iter()
        .map(|pred| {
            let wrong = pred.iter().zip(&data.label).filter(|(p, l)| p != l).count();
            class_entries(
                names,
                vec![
                    Entry::new("boundary (P = 0.5)", Swatch::Line(BLACK)),
                    Entry::new(format!("misclassified: {wrong} of {}", data.len()), Swatch::Cross),
                ],
            )
        })
        .collect();
    let strip = entries.iter().map(|e| style::legend_height(e, pw)).max().unwrap_or(0);
    let root = BitMapBackend::new(path, (pw * models.len() as u32, ph + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(ph);
    for (area, e) in bottom.split_evenly((1, models.len())).iter().zip(&entries) {
        style::legend(area, e, path)?;
    }
    for ((area, (name, model)), pred) in
        top.split_evenly((1, models.len())).iter().zip(models).zip(&predicted)
    {
        let mut c = chart(area, name, bounds, names, path)?;
        let (dx, dy) = ((x1 - x0) / GRID as f32, (y1 - y0) / GRID as f32);
        let mut grid = vec![0.0f32; GRID * GRID];
        for j in 0..GRID {
            for i in 0..GRID {
                grid[j * GRID + i] = model(&[x0 + (i as f32 + 0.5) * dx, y0 + (j as f32 + 0.5) * dy]);
            }
        }
        let cells = (0..GRID * GRID).map(|k| {
            let (i, j) = (k % GRID, k / GRID);
            let p = grid[k];
            let class = usize::from(p >= 0.5);
            let colour = tint(colour(class), 0.1 + 0.35 * (2.0 * p as f64 - 1.0).abs());
            let (cx, cy) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
            Rectangle::new([(cx, cy), (cx + dx, cy + dy)], colour.filled())
        });
        tri!(c.draw_series(cells), path);
        let lines = contour(&grid, GRID, bounds, 0.5);
        tri!(
            c.draw_series(lines.into_iter().map(|s| PathElement::new(s.to_vec(), BLACK.stroke_width(2)))),
            path
        );
        draw_points(&mut c, &data.x, &data.label, Some(pred), path)?;
    }
    tri!(root.present(), path);
    Ok(())
}

/// Decision regions of a classifier of two features with any number of classes: each cell
/// of the background takes the colour of its predicted class, paler where the model is less
/// sure (the class's probability), with a black line between regions; the points take their
/// true class's colour (grey when unlabelled), crossed when misclassified.
/// `probabilities` gives the probability of each class for a point.
pub fn class_regions(
    probabilities: &dyn Fn(&[f32; 2]) -> Vec<f32>,
    points: &[[f32; 2]],
    labels: Option<&[usize]>,
    names: &Names,
    title: &str,
    path: &Path,
) -> Result<(), PlotError> {
    if points.is_empty() {
        return Err(PlotError::Empty("no points"));
    }
    font()?;
    let bounds = padded_bounds(points, path)?;
    let (x0, x1, y0, y1) = bounds;
    let k = names.classes.len().max(1);
    let argmax = |p: &[f32]| tinymlp::eval::metrics::argmax(p);
    let predicted: Vec<usize> = points.iter().map(|p| argmax(&probabilities(p))).collect();
    let mut extra = vec![Entry::new("region boundary", Swatch::Line(BLACK))];
    if let Some(l) = labels {
        let wrong = predicted.iter().zip(l).filter(|(p, l)| p != l).count();
        extra.push(Entry::new(format!("misclassified: {wrong} of {}", points.len()), Swatch::Cross));
    }
    let entries = class_entries(names, extra);
    let (w, h) = (680u32, 600u32);
    let strip = style::legend_height(&entries, w);
    let root = BitMapBackend::new(path, (w, h + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(h);
    style::legend(&bottom, &entries, path)?;
    let mut c = chart(&top, title, bounds, names, path)?;
    let (dx, dy) = ((x1 - x0) / GRID as f32, (y1 - y0) / GRID as f32);
    let mut class = vec![0usize; GRID * GRID];
    let mut sure = vec![0.0f32; GRID * GRID];
    for j in 0..GRID {
        for i in 0..GRID {
            let p = probabilities(&[x0 + (i as f32 + 0.5) * dx, y0 + (j as f32 + 0.5) * dy]);
            let best = argmax(&p);
            class[j * GRID + i] = best;
            // 0 at chance (1/K), 1 when certain
            sure[j * GRID + i] = ((p.get(best).copied().unwrap_or(0.0) - 1.0 / k as f32)
                / (1.0 - 1.0 / k as f32))
                .clamp(0.0, 1.0);
        }
    }
    let cells = (0..GRID * GRID).map(|n| {
        let (i, j) = (n % GRID, n / GRID);
        let (cx, cy) = (x0 + i as f32 * dx, y0 + j as f32 * dy);
        let colour = tint(colour(class[n]), 0.1 + 0.35 * sure[n] as f64);
        Rectangle::new([(cx, cy), (cx + dx, cy + dy)], colour.filled())
    });
    tri!(c.draw_series(cells), path);
    let mut edges = vec![];
    for j in 0..GRID {
        for i in 0..GRID {
            let (cx, cy) = (x0 + (i + 1) as f32 * dx, y0 + (j + 1) as f32 * dy);
            if i + 1 < GRID && class[j * GRID + i] != class[j * GRID + i + 1] {
                edges.push(vec![(cx, cy - dy), (cx, cy)]);
            }
            if j + 1 < GRID && class[j * GRID + i] != class[(j + 1) * GRID + i] {
                edges.push(vec![(cx - dx, cy), (cx, cy)]);
            }
        }
    }
    tri!(c.draw_series(edges.into_iter().map(|e| PathElement::new(e, BLACK.stroke_width(2)))), path);
    match labels {
        Some(l) => {
            draw_points(&mut c, points, l, Some(&predicted), path)?;
        }
        None => {
            let grey = RGBColor(90, 90, 90);
            tri!(c.draw_series(points.iter().map(|p| Circle::new((p[0], p[1]), 3, grey.filled()))), path);
        }
    }
    tri!(root.present(), path);
    Ok(())
}

/// The data alone: two features, each point in its class's colour.
pub fn scatter(
    points: &[[f32; 2]],
    labels: &[usize],
    names: &Names,
    title: &str,
    path: &Path,
) -> Result<(), PlotError> {
    if points.is_empty() {
        return Err(PlotError::Empty("no points"));
    }
    font()?;
    let bounds = padded_bounds(points, path)?;
    let entries = class_entries(names, vec![]);
    let (w, h) = (680u32, 600u32);
    let strip = style::legend_height(&entries, w);
    let root = BitMapBackend::new(path, (w, h + strip)).into_drawing_area();
    tri!(root.fill(&WHITE), path);
    let (top, bottom) = root.split_vertically(h);
    style::legend(&bottom, &entries, path)?;
    let mut c = chart(&top, title, bounds, names, path)?;
    draw_points(&mut c, points, labels, None, path)?;
    tri!(root.present(), path);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contour of a linear field z = x is the line x = 0.5, found exactly.
    #[test]
    fn marching_squares_finds_a_straight_contour() {
        let n = 10;
        let g: Vec<f32> = (0..n * n).map(|k| (k % n) as f32 / (n - 1) as f32 * 0.9 + 0.05).collect();
        let segs = contour(&g, n, (0.0, 1.0, 0.0, 1.0), 0.5);
        assert_eq!(segs.len(), n - 1);
        for s in segs {
            for (x, _) in s {
                assert!((x - 0.5).abs() < 1e-5, "{x}");
            }
        }
    }
}
