//! The self-test of the device kernel: [`crate::kernel::Device`] against the core's
//! `Canonical` kernel, bit for bit, on awkward values. Built with the `load-check` feature
//! (the end-to-end tests use it), so that inference builds do not carry it in flash.

#[cfg(target_abi = "eabihf")]
use tinymlp::numeric::kernel::{Canonical, Kernel};

/// Without an FPU the device kernel is the canonical one: nothing to compare.
#[cfg(not(target_abi = "eabihf"))]
pub fn self_check() -> u32 {
    0
}

/// Compares `Device` with `Canonical` bit for bit on awkward values, for the shapes the
/// assembly handles (and the fallbacks around them). Returns the number of differing outputs.
#[cfg(target_abi = "eabihf")]
pub fn self_check() -> u32 {
    let mut values = Values(0x2545_f491);
    check::<8, 2>(&mut values)
        + check::<8, 3>(&mut values)
        + check::<16, 1>(&mut values)
        + check::<16, 4>(&mut values)
        + check::<24, 5>(&mut values)
        + check::<64, 5>(&mut values)
        + check::<32, 16>(&mut values)
        + check::<12, 4>(&mut values)
        + check::<2, 64>(&mut values)
        + check_sqrt(&mut values)
        + check_axpy(&mut values)
}

/// `axpy` against the core's, bit for bit, at lengths around the eight-value blocks; and
/// `abs_bound` at least the largest magnitude, not finite exactly when a value is not.
#[cfg(target_abi = "eabihf")]
#[inline(never)]
fn check_axpy(values: &mut Values) -> u32 {
    let mut bad = 0;
    for n in [0usize, 1, 7, 8, 9, 16, 23, 64, 65] {
        for round in 0..4 {
            let special = if round >= 2 { 1 } else { 0 };
            let mut y = [0.0f32; 65];
            let mut x = [0.0f32; 65];
            for (a, b) in y.iter_mut().zip(x.iter_mut()) {
                *a = values.next(special);
                *b = values.next(special);
            }
            let a = values.next(special);
            let mut reference = y;
            tinymlp::numeric::kernel::axpy(&mut reference[..n], a, core::hint::black_box(&x[..n]));
            crate::kernel::Device::axpy(&mut y[..n], a, &x[..n]);
            bad += y.iter().zip(&reference).filter(|(f, r)| f.to_bits() != r.to_bits()).count() as u32;
            let exact = Canonical::abs_bound(&x[..n]);
            let fast = crate::kernel::Device::abs_bound(&x[..n]);
            let finite = x[..n].iter().all(|v| v.is_finite());
            bad += u32::from(!(fast >= exact || (!finite && !fast.is_finite())));
            bad += u32::from(finite && exact.is_finite() && fast.is_nan());
        }
    }
    bad
}

/// The hardware square root against `libm`'s on every kind of non-negative value (BatchNorm
/// takes it of a variance plus ε). Of negative numbers both give a NaN.
#[cfg(target_abi = "eabihf")]
#[inline(never)]
fn check_sqrt(values: &mut Values) -> u32 {
    let mut bad = 0;
    for i in 0..2000u32 {
        let v = match i % 4 {
            0 => values.next(4),
            1 => f32::from_bits(values.0 >> 1), // any bit pattern (NaN included)
            _ => values.next(0) * 1e3,
        };
        let (fast, reference) =
            (crate::kernel::Device::sqrt(v), tinymlp::numeric::math::sqrt(core::hint::black_box(v)));
        let same = if v < 0.0 || v.is_nan() {
            fast.is_nan() && reference.is_nan()
        } else {
            fast.to_bits() == reference.to_bits()
        };
        bad += u32::from(!same);
        values.next(0);
    }
    bad
}

/// Test values from a xorshift generator.
#[cfg(target_abi = "eabihf")]
struct Values(u32);

#[cfg(target_abi = "eabihf")]
impl Values {
    const SPECIAL: [f32; 12] = [
        0.0,
        -0.0,
        1.0,
        -1.5,
        1e-40, // subnormal
        -3e-39,
        3.0e38,
        -3.0e38,
        f32::INFINITY,
        0.1,
        16_777_216.0,
        -1e-7,
    ];

    /// A value in [−1, 1), or with probability `in4`/4 one of the special values.
    fn next(&mut self, in4: u32) -> f32 {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        let r = *s;
        if r % 4 < in4 {
            Self::SPECIAL[((r >> 2) % Self::SPECIAL.len() as u32) as usize]
        } else {
            (r >> 8) as f32 / 8_388_608.0 - 1.0
        }
    }
}

/// Six rounds on one shape: plain values, then special ones, then all products `−0.0` with a
/// `−0.0` bias (the lanes' `+0.0` start decides the sign).
#[cfg(target_abi = "eabihf")]
#[inline(never)]
fn check<const IN: usize, const OUT: usize>(values: &mut Values) -> u32 {
    let mut bad = 0;
    for round in 0..6 {
        let special = if round >= 3 { 1 } else { 0 };
        let (mut w, mut b, mut x) = ([[0.0f32; IN]; OUT], [0.0f32; OUT], [0.0f32; IN]);
        for v in w.as_flattened_mut() {
            *v = values.next(special);
        }
        for v in &mut b {
            *v = if round == 5 { -0.0 } else { values.next(2 * special) };
        }
        for v in &mut x {
            *v = if round == 5 { -0.0 } else { values.next(special) };
        }
        let (mut fast, mut reference) = ([0.0f32; OUT], [0.0f32; OUT]);
        crate::kernel::Device::affine(&w, &b, &x, &mut fast);
        Canonical::affine(&w, &b, core::hint::black_box(&x), &mut reference);
        for (f, r) in fast.iter().zip(&reference) {
            bad += u32::from(f.to_bits() != r.to_bits());
        }
    }
    bad
}

/// The int8 device kernel ([`crate::kernel_q8::Device8`]) against the core's portable one,
/// code for code, on random layers of the shapes the assembly takes and those around them,
/// with extreme codes, offsets, biases and multipliers: each layer through the int8 layout's
/// kernel and, where [`crate::wide_q8::pack`] takes it, through the wide layout's (the DSP
/// kernel's fast path; on the other cores its Rust description). Rounds with shifts of −1
/// and above, or rounding terms beyond the bound, must be refused by `pack`. Returns the
/// number of differing outputs, plus one for each way the test itself would prove little
/// (most outputs clamped, no layer packed, no layer refused).
#[cfg(int8_model)]
pub fn self_check_q8() -> u32 {
    use crate::kernel_q8::{Device8, Portable8, QDense};
    use crate::wide_q8::{pack, words};
    use tinymlp::quant::{DenseQ8Params, Requant};
    const MAX: usize = 64 * 17;
    let mut s = 0x9e37_79b9u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    let mut stream = [0u32; words(64, 16)];
    let (mut bad, mut inside, mut total, mut packed, mut refused) = (0, 0, 0, 0, 0);
    let shapes = [
        (4, 2),
        (8, 3),
        (32, 17),
        (64, 16),
        (12, 5),
        (3, 4),
        (16, 1),
        (6, 2),
        (36, 7),
        (2, 17),
        (1, 5),
        (4, 4),
        (8, 8),
        (12, 4),
        (28, 12),
        (60, 4),
        (20, 16),
        (6, 8),
        (64, 6),
    ];
    for (n, outs) in shapes {
        for round in 0..6 {
            let mut code = |extreme: bool| -> i8 {
                let r = next();
                if extreme && r % 2 == 0 { if r % 4 == 0 { 127 } else { -128 } } else { (r >> 8) as i8 }
            };
            let mut w = [0i8; MAX];
            let mut x = [0i8; 64];
            for v in &mut w[..n * outs] {
                *v = code(round == 3).max(-127);
            }
            for v in &mut x[..n] {
                *v = code(round == 3);
            }
            let mut bias = [0i32; 17];
            let mut requant = [Requant::default(); 17];
            for o in 0..outs {
                // Accumulators of about 10⁴·√n, scaled to a few tens of codes (most outputs
                // inside the clamp, so that every bit of the accumulator counts), some larger;
                // in round 4 biases of any size (the accumulator wraps), in round 5 some
                // shifts of −1 and above, which the wide layout refuses.
                bias[o] = if round == 4 { next() as i32 } else { (next() as i32) >> (14 + round.min(3) * 4) };
                let m = (next() >> 1) as i32 | (1 << 30);
                let mut shift = -(9 + (usize::BITS - n.leading_zeros()) as i32) + (next() % 4) as i32;
                if round == 5 && o % 3 == 1 {
                    shift = (next() % 3) as i32 - 1;
                }
                requant[o] = Requant { multiplier: m, shift };
            }
            let offset = [128, -127, 0, (next() % 256) as i32 - 127, 5, -3][round as usize];
            let zero = (next() % 256) as i32 - 128;
            let (min, max) = if round == 2 { (zero, 100.max(zero)) } else { (-128, 127) };
            let p = DenseQ8Params { input_offset: offset, output_offset: zero, min, max };
            let (mut fast, mut wide, mut reference) = ([0i8; 17], [0i8; 17], [0i8; 17]);
            let args = (&w[..n * outs], &bias[..outs], &requant[..outs]);
            Device8::dense(0, args.0, args.1, args.2, &p, &x[..n], &mut fast[..outs]);
            Portable8::dense(
                0,
                args.0,
                args.1,
                args.2,
                &p,
                core::hint::black_box(&x[..n]),
                &mut reference[..outs],
            );
            bad += fast.iter().zip(&reference).filter(|(f, r)| f != r).count() as u32;
            let took = pack(args.0, args.1, args.2, &p, n, 256, &mut stream);
            // A shift of −1 or above must not take the wide layout.
            bad += u32::from(took && requant[..outs].iter().any(|r| r.shift > -2));
            if took {
                packed += 1;
                Device8::dense_wide(0, &stream[..words(n, outs)], &p, &x[..n], &mut wide[..outs]);
                bad += wide.iter().zip(&reference).filter(|(f, r)| f != r).count() as u32;
            } else {
                refused += 1;
            }
            inside += reference[..outs].iter().filter(|&&r| r > -128 && r < 127).count() as u32;
            total += outs as u32;
        }
    }
    bad += check_wide_requant(&mut next);
    // The device's requantisation on its own, against the core's, on every shift and
    // accumulators of every magnitude (the kernels above only reach small shifts).
    for i in 0..4096u32 {
        let shift = (i % 62) as i32 - 31;
        let r = Requant { multiplier: (next() >> 1) as i32 | (1 << 30), shift };
        let x = (next() as i32) >> (next() % 32);
        bad += u32::from(crate::kernel_q8::requant(r, x) != r.apply(core::hint::black_box(x)));
    }
    // A check on outputs that all hit the clamp would prove little: most must lie inside;
    // and both the wide layout and its refusal must have been exercised.
    bad + u32::from(2 * inside < total) + u32::from(packed < 20) + u32::from(refused < 20)
}

/// The wide layout's requantisation (`smmla`, `asr`, the clamp) against the core's on every
/// shift it takes (−31 to −2) and output zero points from −128 to 127: 4×4 layers of zero
/// weights, so that each output's accumulator is its bias, chosen near every rounding tie
/// (multipliers of 2^30 make exact halves) and near random targets inside the int8 codes.
#[cfg(int8_model)]
#[inline(never)]
fn check_wide_requant(next: &mut impl FnMut() -> u32) -> u32 {
    use crate::kernel_q8::{Device8, Portable8, QDense};
    use crate::wide_q8::{pack, words};
    use tinymlp::quant::{DenseQ8Params, Requant};
    let mut stream = [0u32; words(4, 4)];
    let (w, x) = ([0i8; 16], [7i8; 4]);
    let mut bad = 0;
    for i in 0..1024u32 {
        let zero = (next() % 256) as i32 - 128;
        let p = DenseQ8Params {
            input_offset: (next() % 256) as i32 - 127,
            output_offset: zero,
            min: -128,
            max: 127,
        };
        let mut bias = [0i32; 4];
        let mut requant = [Requant::default(); 4];
        for o in 0..4 {
            let k = 1 + (i + o as u32) % 30;
            let tie = next().is_multiple_of(2);
            let m = if tie { 1 << 30 } else { (next() >> 1) as i32 | (1 << 30) };
            // acc · m / 2^(32 + k) ≈ target: acc ≈ target · 2^(32 + k) / m.
            let target = (next() % 300) as i128 - 150 - zero as i128;
            let acc =
                (target << (32 + k)) / m as i128 + if tie { 1 << (k + 1) } else { 0 } + (next() % 5) as i128
                    - 2;
            bias[o] = acc.clamp(i32::MIN as i128, i32::MAX as i128) as i32;
            requant[o] = Requant { multiplier: m, shift: -1 - k as i32 };
        }
        if !pack(&w, &bias, &requant, &p, 4, 256, &mut stream) {
            // Every such output must be taken: a zero point of at most 128 codes and k ≤ 21.
            bad += u32::from(requant.iter().all(|r| r.shift >= -22));
            continue;
        }
        let (mut wide, mut reference) = ([0i8; 4], [0i8; 4]);
        Device8::dense_wide(0, &stream, &p, &x, &mut wide);
        Portable8::dense(0, &w, &bias, &requant, &p, core::hint::black_box(&x), &mut reference);
        bad += wide.iter().zip(&reference).filter(|(f, r)| f != r).count() as u32;
    }
    bad
}
