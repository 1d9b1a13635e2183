//! The int8 dense layers' kernels: the core's portable one; on the Cortex-M0 one in
//! Thumb-1 assembly (four or two rows per pass, the requantisation from 16-bit partial
//! products, `requant32.rs`); on the Cortex-M3 rows in pairs in Rust; and on the cores with
//! the DSP extension (Cortex-M4F, M7, M33) one in assembly that does two multiply-adds per
//! `smlad`.
//!
//! The results are the core's ([`tinymlp::quant::dense_q8`]) bit for bit: the accumulator
//! `bias + Σ w·(x + input_offset)` is exact in `i32` whatever the order of its terms, and the
//! requantisation and clamp are the core's own [`Requant::apply`] and the same expression as
//! [`tinymlp::quant::dense_q8_unit`].
//!
//! On the DSP cores a layer the build has given the wide layout ([`crate::wide_q8`]: weights
//! stored as 16-bit halves in groups of four rows) takes [`QDense::dense_wide`]: the input
//! widened once with `sxtab16`, per four codes of four rows one `ldrd`, two `ldm` and eight
//! `smlad`, and per output `smmla` and `asr` for the requantisation. The other layers take
//! the DSP kernel of the int8 layout, which first widens the input row once per layer:
//! each group of four codes `x0 x1 x2 x3` becomes the two words `(x0 + o, x2 + o)` and
//! `(x1 + o, x3 + o)` of 16-bit halves (`o` the input offset: the sums lie in −255..=255).
//! A weight word `w0 w1 w2 w3`
//! becomes `(w0, w2)` with `sxtb16` and `(w1, w3)` with `sxtb16 …, ror #8`, so each pair of
//! `smlad` adds four products. Two rows go together, sharing the loads of the input. Rows
//! of a length that is not a multiple of four, or of 2048 codes or more, the last row of an
//! odd count and layers of one output use the Rust kernel. The self-test (`load-check`,
//! `kernel_check.rs`) compares the device kernel with the portable one bit for bit.

#[cfg(target_abi = "eabihf")]
use crate::wide_q8::{self, ROWS};
#[cfg(any(armv6m, target_abi = "eabihf"))]
use core::mem::MaybeUninit;
use tinymlp::quant::{DenseQ8Params, Portable, Requant, dense_q8};

/// A dense int8 layer's kernel, as [`tinymlp::quant::dense_q8`]: for `n = x.len()`,
/// `y[o] = clamp(requant[o](Σᵢ w[o·n + i]·(x[i] + input_offset) + bias[o]) + output_offset)`.
pub trait QDense {
    /// Dense layer number `layer` of the model (counting from 0, for the profile).
    fn dense(
        layer: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    );

    /// Dense layer number `layer` in the wide layout ([`crate::wide_q8`]: `stream` as
    /// [`crate::wide_q8::pack`] writes it for the layer's weights, biases, requantisation
    /// and `p`): the same codes as [`QDense::dense`] on those. By default in Rust
    /// ([`crate::wide_q8::eval`]). Unused when no layer of the model has the wide layout.
    #[allow(dead_code)]
    #[inline]
    fn dense_wide(_layer: usize, stream: &[u32], p: &DenseQ8Params, x: &[i8], y: &mut [i8]) {
        crate::wide_q8::eval(stream, p, x, y)
    }
}

/// The core's portable kernel.
#[allow(dead_code)]
pub struct Portable8;

impl QDense for Portable8 {
    #[inline]
    fn dense(
        _: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    ) {
        dense_q8::<Portable>(w, bias, requant, p, x, y)
    }
}

/// The kernel the firmware serves with: the DSP kernel where the core has the extension,
/// the Thumb-1 assembly kernel on the Cortex-M0, else rows in pairs over the input widened
/// once per layer (each input code with its offset loaded once for two rows).
pub struct Device8;

/// `clamp(requant(acc) + output_offset)`: [`tinymlp::quant::dense_q8_unit`]'s last step,
/// with the requantisation computed from 32-bit halves (see [`requant`]).
#[inline(always)]
fn finish(r: Requant, acc: i32, p: &DenseQ8Params) -> i8 {
    requant(r, acc).wrapping_add(p.output_offset).clamp(p.min, p.max) as i8
}

/// [`Requant::apply`] (`(x·q + 2^(t − 1)) >> t` in `i64`, `t = 31 − shift`, the low 32 bits
/// of the result), with the 64-bit shifts done on the product's two 32-bit halves: the
/// compiler otherwise calls a library routine for a 64-bit shift by a variable amount. The
/// self-test compares it with the core's on every output it checks.
#[cfg(not(armv6m))]
#[inline(always)]
pub fn requant(r: Requant, x: i32) -> i32 {
    let t = (31 - r.shift) as u32; // 1..=62
    let prod = x as i64 * r.multiplier as i64;
    let (lo, hi) = (prod as u32, (prod >> 32) as u32);
    // + 2^(t − 1), carried from the low half into the high one.
    let (lo, hi) = if t <= 32 {
        let (sum, carry) = lo.overflowing_add(1 << (t - 1));
        (sum, hi.wrapping_add(carry as u32))
    } else {
        (lo, hi.wrapping_add(1 << (t - 33)))
    };
    if t >= 32 { (hi as i32) >> (t - 32) } else { ((lo >> t) | (hi << (32 - t))) as i32 }
}

/// [`Requant::apply`] on the Cortex-M0, which has no 32×32→64 multiply: the product from
/// 16-bit partial products ([`crate::requant32`]).
#[cfg(armv6m)]
pub use crate::requant32::requant;

#[cfg(all(not(target_abi = "eabihf"), not(armv6m)))]
impl QDense for Device8 {
    #[inline]
    fn dense(
        l: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    ) {
        rows_in_pairs(l, w, bias, requant, p, x, y)
    }
}

/// The dense layer in Rust, two rows at a time over the input widened once with its offset
/// (the kernel of the cores without the DSP extension, and the DSP kernel's fallback).
#[inline(never)]
fn rows_in_pairs(
    l: usize,
    w: &[i8],
    bias: &[i32],
    requant: &[Requant],
    p: &DenseQ8Params,
    x: &[i8],
    y: &mut [i8],
) {
    let (n, outs) = (x.len(), y.len());
    if n == 0 || n > MAX_IN || w.len() < n * outs || bias.len() < outs || requant.len() < outs {
        return Portable8::dense(l, w, bias, requant, p, x, y);
    }
    let mut wide = [0i16; MAX_IN];
    for (d, &c) in wide.iter_mut().zip(x) {
        *d = (c as i32 + p.input_offset) as i16;
    }
    let xs = &wide[..n];
    let mut o = 0;
    for rows in w[..n * outs].chunks_exact(2 * n) {
        let (a, b) = rows.split_at(n);
        let (mut s0, mut s1) = (bias[o], bias[o + 1]);
        for ((&xv, &wa), &wb) in xs.iter().zip(a).zip(b) {
            let xv = xv as i32;
            s0 = s0.wrapping_add(wa as i32 * xv);
            s1 = s1.wrapping_add(wb as i32 * xv);
        }
        y[o] = finish(requant[o], s0, p);
        y[o + 1] = finish(requant[o + 1], s1, p);
        o += 2;
    }
    if o < outs {
        let mut s = bias[o];
        for (&xv, &wv) in xs.iter().zip(&w[o * n..(o + 1) * n]) {
            s = s.wrapping_add(wv as i32 * xv as i32);
        }
        y[o] = finish(requant[o], s, p);
    }
}

/// The longest input row the kernels widen (their buffer, on the stack): in the `tiny`
/// firmware the model's widest activation (a multiple of 4), otherwise 256 codes.
#[cfg(not(feature = "tiny"))]
const MAX_IN: usize = 256;
#[cfg(feature = "tiny")]
const MAX_IN: usize = crate::model::WIDEST.next_multiple_of(4);

#[cfg(target_abi = "eabihf")]
impl QDense for Device8 {
    #[inline]
    fn dense(
        l: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    ) {
        let (n, outs) = (x.len(), y.len());
        if n < 4
            || !n.is_multiple_of(4)
            || n > MAX_IN
            || outs < 2
            || w.len() < n * outs
            || bias.len() < outs
            || requant.len() < outs
        {
            return rows_in_pairs(l, w, bias, requant, p, x, y);
        }
        // The input widened to 16-bit halves with its offset, in the order `sxtb16` takes
        // the weights.
        let mut wide = [0u32; MAX_IN / 2];
        let half = |c: i8| (c as i32 + p.input_offset) as u32 & 0xffff;
        for (g, chunk) in x.chunks_exact(4).enumerate() {
            wide[2 * g] = half(chunk[0]) | half(chunk[2]) << 16;
            wide[2 * g + 1] = half(chunk[1]) | half(chunk[3]) << 16;
        }
        let pairs = outs / 2;
        let mut acc = [0i32; 2];
        for pair in 0..pairs {
            let o = 2 * pair;
            acc[0] = bias[o];
            acc[1] = bias[o + 1];
            dot2(&w[o * n..(o + 2) * n], &wide[..n / 2], &mut acc);
            for (j, a) in acc.iter().enumerate() {
                y[o + j] = finish(requant[o + j], *a, p);
            }
        }
        if outs % 2 == 1 {
            let o = outs - 1;
            rows_in_pairs(l, &w[o * n..(o + 1) * n], &bias[o..], &requant[o..], p, x, &mut y[o..]);
        }
    }

    #[inline]
    fn dense_wide(_: usize, stream: &[u32], p: &DenseQ8Params, x: &[i8], y: &mut [i8]) {
        Device8::wide(stream, p, x, y)
    }
}

#[cfg(target_abi = "eabihf")]
impl Device8 {
    /// The DSP kernel of a layer in the wide layout (see [`QDense::dense_wide`]). Unused
    /// when no layer of the model has the wide layout.
    #[allow(dead_code)]
    #[inline(never)]
    fn wide(stream: &[u32], p: &DenseQ8Params, x: &[i8], y: &mut [i8]) {
        let (n, outs) = (x.len(), y.len());
        if n < 4
            || !n.is_multiple_of(4)
            || n > MAX_IN
            || outs < ROWS
            || !outs.is_multiple_of(ROWS)
            || stream.len() < wide_q8::words(n, outs)
            || !(-32640..=32640).contains(&p.input_offset)
        {
            return wide_q8::eval(stream, p, x, y);
        }
        // The input with its offset in 16-bit halves, `(x0 + o, x2 + o)` and `(x1 + o, x3 + o)`
        // per four codes: the order of the weights' halves in the stream.
        // Only `wide[..n / 2]` is written (and read): clearing the whole buffer would cost
        // more than the widening.
        let mut wide = [const { MaybeUninit::<u32>::uninit() }; MAX_IN / 2];
        let offsets = (p.input_offset as u32 & 0xffff) * 0x0001_0001;
        // SAFETY: reads `x[..n]` (unaligned word loads, which the M4, M7 and M33 take) and
        // writes `wide[..n / 2]` (aligned pairs), `n / 4 ≥ 1` groups; registers declared
        // below; no stack; the flags are declared clobbered by not using `preserves_flags`.
        unsafe {
            core::arch::asm!(
                #[cfg(target_arch = "arm")]
                #[cfg(not(target_feature = "dsp"))]
                ".cpu cortex-m33",
                "2:",
                "ldr {t}, [{xp}], #4",
                "sxtab16 {a}, {o}, {t}",
                "sxtab16 {b}, {o}, {t}, ror #8",
                "strd {a}, {b}, [{dp}], #8",
                "subs {q}, {q}, #1",
                "bne 2b",
                xp = inout(reg) x.as_ptr() => _,
                dp = inout(reg) wide.as_mut_ptr() as *mut u32 => _,
                q = inout(reg) n / 4 => _,
                o = in(reg) offsets,
                t = out(reg) _,
                a = out(reg) _,
                b = out(reg) _,
                options(nostack),
            );
        }
        // Per group of four rows: the biases into the accumulators (r8, r10, r11, r12); per
        // four input codes one `ldrd` of the widened input (r6, r7), two `ldm` of four
        // weight words (r0–r3) and eight `smlad`, four such steps per loop turn (the one
        // and two left over before the loop); then per row `smmla` (the product's high word
        // plus the rounding term) and `asr`, `ssat` to the int8 codes, the four codes
        // packed into a word, clamped by `ssub8`/`sel` against the lower and upper codes, and
        // stored. The loop's counts and pointers that the accumulation has no register for
        // live on the stack: [sp] the input's groups of four, [sp + 4] the widened input,
        // [sp + 8] the output, [sp + 12] the groups of rows left.
        macro_rules! quad {
            () => {
                concat!(
                    "ldrd r6, r7, [r5], #8\n",
                    "ldm r4!, {{r0, r1, r2, r3}}\n",
                    "smlad r8, r0, r6, r8\n",
                    "smlad r8, r1, r7, r8\n",
                    "smlad r10, r2, r6, r10\n",
                    "smlad r10, r3, r7, r10\n",
                    "ldm r4!, {{r0, r1, r2, r3}}\n",
                    "smlad r11, r0, r6, r11\n",
                    "smlad r11, r1, r7, r11\n",
                    "smlad r12, r2, r6, r12\n",
                    "smlad r12, r3, r7, r12\n",
                )
            };
        }
        // SAFETY: reads `stream[..words(n, outs)]` (through r4, as the layout lays it out:
        // checked above) and `wide[..n / 2]` (through r5, from its start per group), writes
        // `y[..outs]` (one unaligned word per group of four rows, through [sp + 8]); r6 and
        // r7, which Rust does not hand out, are pushed and popped with the counts; the
        // other registers are declared clobbered; the stack is left as found.
        unsafe {
            core::arch::asm!(
                #[cfg(target_arch = "arm")]
                #[cfg(not(target_feature = "dsp"))]
                ".cpu cortex-m33",
                "push {{r0, r1, r2, r3, r6, r7}}",
                "6:",
                "ldm r4!, {{r8, r10, r11, r12}}",
                "ldrd r0, r5, [sp]",
                // The loop's turns (the steps below load r0), then N: one group of four
                // input codes left over; C: two.
                "lsr lr, r0, #2",
                "lsls r1, r0, #31",
                "bpl 2f",
                quad!(),
                "2:",
                "bcc 3f",
                quad!(),
                quad!(),
                "3:",
                "cmp lr, #0",
                "beq 5f",
                "4:",
                quad!(),
                quad!(),
                quad!(),
                quad!(),
                "subs lr, lr, #1",
                "bne 4b",
                "5:",
                "ldm r4!, {{r0, r1, r2, r3}}",
                "smmla r8, r8, r0, r1",
                "smmla r10, r10, r2, r3",
                "ldm r4!, {{r0, r1, r2, r3}}",
                "smmla r11, r11, r0, r1",
                "smmla r12, r12, r2, r3",
                "ldm r4!, {{r0, r1, r2, r3}}",
                "asr r8, r8, r0",
                "asr r10, r10, r1",
                "asr r11, r11, r2",
                "asr r12, r12, r3",
                "ssat r8, #8, r8",
                "ssat r10, #8, r10",
                "ssat r11, #8, r11",
                "ssat r12, #8, r12",
                "bfi r8, r10, #8, #8",
                "bfi r8, r11, #16, #8",
                "bfi r8, r12, #24, #8",
                "ldrd r0, r1, [r4], #8",
                "ssub8 r2, r8, r0",
                "sel r8, r8, r0",
                "ssub8 r2, r8, r1",
                "sel r8, r1, r8",
                "ldrd r1, r2, [sp, #8]",
                "str r8, [r1], #4",
                "subs r2, r2, #1",
                "strd r1, r2, [sp, #8]",
                "bne 6b",
                "pop {{r0, r1, r2, r3, r6, r7}}",
                inout("r0") n / 4 => _,
                inout("r1") wide.as_ptr() as *const u32 => _,
                inout("r2") y.as_mut_ptr() => _,
                inout("r3") outs / ROWS => _,
                inout("r4") stream.as_ptr() => _,
                out("r5") _,
                out("r8") _,
                out("r10") _,
                out("r11") _,
                out("r12") _,
                out("lr") _,
            );
        }
    }
}

/// Adds to `acc` the dot products of the two rows `w[..n]` and `w[n..2n]` with the widened
/// input `wide` (`n / 2` words, `n = 2·wide.len()` a multiple of 4 below 2048).
#[cfg(target_abi = "eabihf")]
#[inline(always)]
fn dot2(w: &[i8], wide: &[u32], acc: &mut [i32; 2]) {
    let n = 2 * wide.len();
    assert!(n >= 4 && n.is_multiple_of(4) && n < 2048 && w.len() >= 2 * n);
    let groups = n / 4;
    // SAFETY: reads `w[..2n]` (row A through `wa`, advancing by 4 per group, row B at
    // `wa + n`) and `wide[..n/2]` (through `xp`, 8 bytes per group): in bounds by the
    // assertion above. Registers declared below; no stack; the flags are not touched.
    unsafe {
        core::arch::asm!(
            // The M33's target (thumbv8m.main) does not assume the optional DSP extension,
            // which the M33 of the MPS2-AN505 has.
            #[cfg(target_arch = "arm")]
            #[cfg(not(target_feature = "dsp"))]
            ".cpu cortex-m33",
            "2:",
            "ldrd {x02}, {x13}, [{xp}], #8",
            "ldr {b}, [{wa}, {n}]",
            "ldr {a}, [{wa}], #4",
            "sxtb16 {t}, {a}",
            "smlad {acc0}, {t}, {x02}, {acc0}",
            "sxtb16 {t}, {a}, ror #8",
            "smlad {acc0}, {t}, {x13}, {acc0}",
            "sxtb16 {t}, {b}",
            "smlad {acc1}, {t}, {x02}, {acc1}",
            "sxtb16 {t}, {b}, ror #8",
            "smlad {acc1}, {t}, {x13}, {acc1}",
            "subs {g}, {g}, #1",
            "bne 2b",
            xp = inout(reg) wide.as_ptr() => _,
            wa = inout(reg) w.as_ptr() => _,
            n = in(reg) n,
            g = inout(reg) groups => _,
            acc0 = inout(reg) acc[0],
            acc1 = inout(reg) acc[1],
            x02 = out(reg) _,
            x13 = out(reg) _,
            a = out(reg) _,
            b = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
}

#[cfg(armv6m)]
impl QDense for Device8 {
    #[inline(never)]
    fn dense(
        l: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    ) {
        let (n, outs) = (x.len(), y.len());
        if n == 0 || n > MAX_IN || w.len() < n * outs || bias.len() < outs || requant.len() < outs {
            return rows_in_pairs(l, w, bias, requant, p, x, y);
        }
        // The input with its offset, one word per code (the loads take an immediate
        // offset; the weights' byte loads take the index). Only `wide[..n]` is written
        // (and read): clearing the whole buffer would cost more than the widening.
        let mut wide = [const { MaybeUninit::<i32>::uninit() }; MAX_IN];
        for (d, &c) in wide.iter_mut().zip(x) {
            d.write(c as i32 + p.input_offset);
        }
        // Groups of four rows where the row length allows, then pairs, the last row of an
        // odd count alone (as both rows of a pair); iterators over exact chunks, so that
        // no index is checked per output.
        let (w, bias, requant, y) = (&w[..n * outs], &bias[..outs], &requant[..outs], &mut y[..outs]);
        let fours = if n.is_multiple_of(4) { outs / 4 * 4 } else { 0 };
        let (y4, y2) = y.split_at_mut(fours);
        let groups =
            w[..fours * n].chunks_exact(4 * n).zip(bias.chunks_exact(4)).zip(requant.chunks_exact(4));
        for (((rows, b), r), out) in groups.zip(y4.chunks_exact_mut(4)) {
            let rows: [&[i8]; 4] = [&rows[..n], &rows[n..2 * n], &rows[2 * n..3 * n], &rows[3 * n..]];
            let mut acc = [b[0], b[1], b[2], b[3]];
            // SAFETY: `wide[..n]` is written above, each row has `n` codes.
            unsafe { dot4_m0(rows, wide.as_ptr() as *const i32, &mut acc) };
            for ((o, &a), &r) in out.iter_mut().zip(&acc).zip(r) {
                *o = finish(r, a, p);
            }
        }
        let pairs = w[fours * n..].chunks(2 * n).zip(bias[fours..].chunks(2)).zip(requant[fours..].chunks(2));
        for (((rows, b), r), out) in pairs.zip(y2.chunks_mut(2)) {
            let (a, rest) = rows.split_at(n);
            // A last row of an odd count goes through the loop as both rows.
            let b1 = if rest.is_empty() { a } else { rest };
            let mut acc = [b[0], b.get(1).copied().unwrap_or(0)];
            // SAFETY: `wide[..n]` is written above, `a` and `b1` have `n` codes.
            unsafe { dot2_m0(a, b1, wide.as_ptr() as *const i32, &mut acc) };
            for ((o, &a), &r) in out.iter_mut().zip(&acc).zip(r) {
                *o = finish(r, a, p);
            }
        }
    }
}

/// Adds to `acc` the dot products of the rows `a` and `b` (`n` codes each) with the
/// widened input at `xp`, in Thumb-1 assembly: per input code one word load, and per row a
/// signed byte load, a `muls` and an `add` into an accumulator held in a high register
/// (r8, r10); four codes per loop turn when `n` is a multiple of 4, else one.
///
/// # Safety
/// `xp` points to `n = a.len()` initialised words.
#[cfg(armv6m)]
#[inline(always)]
unsafe fn dot2_m0(a: &[i8], b: &[i8], xp: *const i32, acc: &mut [i32; 2]) {
    let n = a.len();
    assert!(n >= 1 && b.len() == n && n <= i32::MAX as usize);
    let (end_a, end_b) = (a.as_ptr_range().end, b.as_ptr_range().end);
    // The byte loads read `a` and `b` at `end + i` for `i` in `−n..0`; `xp` advances by a
    // word per code. The accumulators come and go in `a0` and `a1`, which the loop uses
    // for the input code and the product; they live in r8 and r10 meanwhile.
    macro_rules! mac {
        ($offset:literal) => {
            concat!(
                "ldr {a0}, [{xp}, #",
                $offset,
                "]\n",
                "ldrsb {a1}, [{wa}, {i}]\n",
                "muls {a1}, {a0}, {a1}\n",
                "add r8, {a1}\n",
                "ldrsb {a1}, [{wb}, {i}]\n",
                "muls {a1}, {a0}, {a1}\n",
                "add r10, {a1}\n",
            )
        };
    }
    if n.is_multiple_of(4) {
        // SAFETY: in bounds by the assertion and the caller's promise; registers declared
        // below; no stack.
        unsafe {
            core::arch::asm!(
                "mov r8, {a0}",
                "mov r10, {a1}",
                "2:",
                mac!("0"),
                "adds {i}, #1",
                mac!("4"),
                "adds {i}, #1",
                mac!("8"),
                "adds {i}, #1",
                mac!("12"),
                "adds {xp}, #16",
                // The last flag-setting instruction before the branch: `i` reaching 0 ends.
                "adds {i}, #1",
                "bne 2b",
                "mov {a0}, r8",
                "mov {a1}, r10",
                xp = inout(reg) xp => _,
                wa = in(reg) end_a,
                wb = in(reg) end_b,
                i = inout(reg) -(n as i32) => _,
                a0 = inout(reg) acc[0],
                a1 = inout(reg) acc[1],
                out("r8") _,
                out("r10") _,
                options(nostack, readonly),
            );
        }
    } else {
        // SAFETY: as above.
        unsafe {
            core::arch::asm!(
                "mov r8, {a0}",
                "mov r10, {a1}",
                "2:",
                mac!("0"),
                "adds {xp}, #4",
                "adds {i}, #1",
                "bne 2b",
                "mov {a0}, r8",
                "mov {a1}, r10",
                xp = inout(reg) xp => _,
                wa = in(reg) end_a,
                wb = in(reg) end_b,
                i = inout(reg) -(n as i32) => _,
                a0 = inout(reg) acc[0],
                a1 = inout(reg) acc[1],
                out("r8") _,
                out("r10") _,
                options(nostack, readonly),
            );
        }
    }
}

/// Adds to `acc` the dot products of the four rows `rows` (`n` codes each, `n` a multiple
/// of 4) with the widened input at `xp`, in Thumb-1 assembly: per input code one word load,
/// and per row a signed byte load, a `muls` and an `add` into an accumulator held in a high
/// register (r8, r10, r12, lr); four codes per loop turn. The eight low registers hold the
/// input pointer, the index, the four rows' ends, the code and the product: r6 and r7
/// (which Rust does not hand out) are saved on the stack and restored.
///
/// # Safety
/// `xp` points to `n = rows[0].len()` initialised words.
#[cfg(armv6m)]
#[inline(always)]
unsafe fn dot4_m0(rows: [&[i8]; 4], xp: *const i32, acc: &mut [i32; 4]) {
    let n = rows[0].len();
    assert!(n >= 4 && n.is_multiple_of(4) && n <= i32::MAX as usize && rows.iter().all(|r| r.len() == n));
    // What the assembly loads with one `ldm`: the accumulators, then the input, the index
    // (`−n`, counting up to 0) and the rows' ends (the byte loads read `end + i`).
    let mut args: [usize; 10] = [
        acc[0] as u32 as usize,
        acc[1] as u32 as usize,
        acc[2] as u32 as usize,
        acc[3] as u32 as usize,
        xp as usize,
        (n as isize).wrapping_neg() as usize,
        rows[0].as_ptr_range().end as usize,
        rows[1].as_ptr_range().end as usize,
        rows[2].as_ptr_range().end as usize,
        rows[3].as_ptr_range().end as usize,
    ];
    macro_rules! mac {
        ($offset:literal) => {
            concat!(
                "ldr r6, [r0, #",
                $offset,
                "]\n",
                "ldrsb r7, [r2, r1]\n",
                "muls r7, r6, r7\n",
                "add r8, r7\n",
                "ldrsb r7, [r3, r1]\n",
                "muls r7, r6, r7\n",
                "add r10, r7\n",
                "ldrsb r7, [r4, r1]\n",
                "muls r7, r6, r7\n",
                "add r12, r7\n",
                "ldrsb r7, [r5, r1]\n",
                "muls r7, r6, r7\n",
                "add lr, r7\n",
            )
        };
    }
    // SAFETY: reads `rows[k][..n]` and `xp[..n]` (in bounds by the assertion and the
    // caller's promise) and reads and writes `args`; r6 and r7 are pushed and popped, the
    // other registers it uses are declared clobbered; the stack is left as found.
    unsafe {
        core::arch::asm!(
            "push {{r0, r1, r6, r7}}",
            "ldm r0!, {{r1, r2, r3, r4}}",
            "mov r8, r1",
            "mov r10, r2",
            "mov r12, r3",
            "mov lr, r4",
            "ldm r0, {{r0, r1, r2, r3, r4, r5}}",
            "2:",
            mac!("0"),
            "adds r1, #1",
            mac!("4"),
            "adds r1, #1",
            mac!("8"),
            "adds r1, #1",
            mac!("12"),
            "adds r0, #16",
            // The last flag-setting instruction before the branch: the index reaching 0 ends.
            "adds r1, #1",
            "bne 2b",
            "pop {{r0, r1, r6, r7}}",
            "mov r1, r8",
            "mov r2, r10",
            "mov r3, r12",
            "mov r4, lr",
            "stm r0!, {{r1, r2, r3, r4}}",
            inout("r0") args.as_mut_ptr() => _,
            out("r1") _,
            out("r2") _,
            out("r3") _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r10") _,
            out("r12") _,
            out("lr") _,
        );
    }
    for (a, v) in acc.iter_mut().zip(&args) {
        *a = *v as u32 as i32;
    }
}
