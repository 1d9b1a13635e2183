//! The wide layout of a dense int8 layer: what the DSP kernel ([`crate::kernel_q8`]) reads
//! in one stream of words, written into flash by `build/int8.rs` (which includes this file)
//! and, for the self-test, on the device.
//!
//! The rows go in groups of four. Per group, in order:
//! - the four biases;
//! - per four input codes `x0 x1 x2 x3`, per row, the two words `(w0, w2)` and `(w1, w3)` of
//!   the row's weights widened to 16-bit halves (the order `sxtab16` gives the input);
//! - per row the multiplier `m` and the rounding term `r = 2^(k − 1) + z·2^k`, then the
//!   four right shifts `k = −1 − shift`, then the clamp's lower and upper codes, each
//!   repeated in the four bytes of a word.
//!
//! With `k ≥ 1` the core's [`Requant::apply`] (`(a·m + 2^(t − 1)) >> t`, `t = 31 − shift =
//! 32 + k`) plus the output zero point `z` is `(⌊a·m / 2^32⌋ + r) >> k` exactly: `2^(t − 1)`
//! is a multiple of `2^32`, so the low word of the product only rounds down, and `z·2^k`
//! passes through the shift. `⌊a·m / 2^32⌋` lies in `[−2^30, 2^30]` for every `i32` pair,
//! so with `r` in `[−2^30, 2^30 − 1]` (checked per output by [`pack`]) the sum fits an
//! `i32`: one `smmla` and one `asr`, exact for every accumulator. The accumulator itself is
//! the core's: `bias + Σ w·(x + input_offset)` wraps in `i32` in any order, and `smlad`
//! wraps the same way. Layers [`pack`] refuses keep the int8 layout and the kernel for it.

use tinymlp::quant::{DenseQ8Params, Requant};

/// Rows per group.
pub const ROWS: usize = 4;

/// Words per group besides the weights: four biases, four multipliers and rounding terms,
/// four shifts, the two clamp words.
pub const GROUP_EXTRA: usize = 4 + 8 + 4 + 2;

/// Words of the wide layout of a layer of `outs` rows of `n` codes.
pub const fn words(n: usize, outs: usize) -> usize {
    outs / ROWS * (2 * n + GROUP_EXTRA)
}

/// Why a layer keeps the int8 layout, or `Ok` when [`pack`] takes it.
pub fn check(
    n: usize,
    outs: usize,
    requant: &[Requant],
    p: &DenseQ8Params,
    max_in: usize,
) -> Result<(), &'static str> {
    if n < 4 || !n.is_multiple_of(4) || n > max_in {
        return Err("inputs not a multiple of 4 (or above the widening buffer)");
    }
    if outs < ROWS || !outs.is_multiple_of(ROWS) || requant.len() < outs {
        return Err("outputs not a multiple of 4");
    }
    // The widened input `x + input_offset` must be exact in a 16-bit half.
    if !(-32640..=32640).contains(&p.input_offset) {
        return Err("input offset beyond 16 bits");
    }
    if !(-128 <= p.min && p.min <= p.max && p.max <= 127) {
        return Err("clamp outside the int8 codes");
    }
    for r in &requant[..outs] {
        if rounding(*r, p.output_offset).is_none() {
            return Err("a shift above −2, or a rounding term beyond ±2^30");
        }
    }
    Ok(())
}

/// The right shift `k` and the rounding term `2^(k − 1) + z·2^k` of an output, when `k ≥ 1`
/// and the term lies in `[−2^30, 2^30 − 1]`.
fn rounding(r: Requant, zero: i32) -> Option<(u32, i32)> {
    let k = -1 - r.shift;
    if !(1..=30).contains(&k) {
        return None;
    }
    let term = (1i64 << (k - 1)) + ((zero as i64) << k);
    (-(1i64 << 30)..(1i64 << 30)).contains(&term).then_some((k as u32, term as i32))
}

/// Writes the wide layout of the layer (`outs = bias.len()` rows of `n` codes) into `out`
/// (`words(n, outs)` words); `false`, writing nothing, when [`check`] refuses it or `out`
/// is too short.
pub fn pack(
    w: &[i8],
    bias: &[i32],
    requant: &[Requant],
    p: &DenseQ8Params,
    n: usize,
    max_in: usize,
    out: &mut [u32],
) -> bool {
    let outs = bias.len();
    if check(n, outs, requant, p, max_in).is_err() || w.len() < n * outs || out.len() < words(n, outs) {
        return false;
    }
    let half = |v: i8| v as i16 as u16 as u32;
    let byte4 = |c: i32| (c as u8 as u32) * 0x0101_0101;
    let mut i = 0;
    let mut put = |v: u32| {
        out[i] = v;
        i += 1;
    };
    for g in 0..outs / ROWS {
        let o = g * ROWS;
        for b in &bias[o..o + ROWS] {
            put(*b as u32);
        }
        for q in 0..n / 4 {
            for row in o..o + ROWS {
                let c = &w[row * n + 4 * q..row * n + 4 * q + 4];
                put(half(c[0]) | half(c[2]) << 16);
                put(half(c[1]) | half(c[3]) << 16);
            }
        }
        let mut shifts = [0u32; ROWS];
        for (j, r) in requant[o..o + ROWS].iter().enumerate() {
            // `check` has accepted every output.
            let (k, term) = rounding(*r, p.output_offset).unwrap_or((31, 0));
            put(r.multiplier as u32);
            put(term as u32);
            shifts[j] = k;
        }
        for k in shifts {
            put(k);
        }
        put(byte4(p.min));
        put(byte4(p.max));
    }
    true
}

/// The layer in the wide layout, in Rust: the same arithmetic as the DSP kernel's assembly,
/// for the cores without it (the build never gives them a wide layer) and as its
/// description.
pub fn eval(stream: &[u32], p: &DenseQ8Params, x: &[i8], y: &mut [i8]) {
    let (n, outs) = (x.len(), y.len());
    if !n.is_multiple_of(4) || !outs.is_multiple_of(ROWS) || stream.len() < words(n, outs) {
        return;
    }
    let lo = |v: u32| v as u16 as i16 as i32;
    let hi = |v: u32| (v >> 16) as u16 as i16 as i32;
    let mut s = stream.iter().copied();
    let mut next = move || s.next().unwrap_or(0);
    for out in y.chunks_exact_mut(ROWS) {
        let mut acc = [0i32; ROWS];
        for a in &mut acc {
            *a = next() as i32;
        }
        for c in x.chunks_exact(4) {
            let x02 = [c[0] as i32 + p.input_offset, c[2] as i32 + p.input_offset];
            let x13 = [c[1] as i32 + p.input_offset, c[3] as i32 + p.input_offset];
            for a in &mut acc {
                let (u, v) = (next(), next());
                for (wv, xv) in [(lo(u), x02[0]), (hi(u), x02[1]), (lo(v), x13[0]), (hi(v), x13[1])] {
                    *a = a.wrapping_add(wv.wrapping_mul(xv));
                }
            }
        }
        for a in &mut acc {
            let (m, term) = (next() as i32, next() as i32);
            *a = (((*a as i64 * m as i64) >> 32) as i32).wrapping_add(term);
        }
        for a in &mut acc {
            *a = a.wrapping_shr(next());
        }
        let (min, max) = (next() as i8 as i32, (next() as i8) as i32);
        for (o, a) in out.iter_mut().zip(acc) {
            *o = a.clamp(-128, 127).clamp(min, max.max(min)) as i8;
        }
    }
}
