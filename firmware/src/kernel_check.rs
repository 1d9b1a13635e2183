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
/// with extreme codes, offsets, biases and multipliers. Returns the number of differing
/// outputs.
#[cfg(int8_model)]
pub fn self_check_q8() -> u32 {
    use crate::kernel_q8::{Device8, Portable8, QDense};
    use tinymlp::quant::{DenseQ8Params, Requant};
    const MAX: usize = 64 * 17;
    let mut s = 0x9e37_79b9u32;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    };
    let (mut bad, mut inside, mut total) = (0, 0, 0);
    for (n, outs) in
        [(4, 2), (8, 3), (32, 17), (64, 16), (12, 5), (3, 4), (16, 1), (6, 2), (36, 7), (2, 17), (1, 5)]
    {
        for round in 0..4 {
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
                // inside the clamp, so that every bit of the accumulator counts), some larger.
                bias[o] = (next() as i32) >> (14 + round * 4);
                let m = (next() >> 1) as i32 | (1 << 30);
                let shift = -(9 + (usize::BITS - n.leading_zeros()) as i32) + (next() % 4) as i32;
                requant[o] = Requant { multiplier: m, shift };
            }
            let offset = [128, -127, 0, (next() % 256) as i32 - 127][round as usize];
            let zero = (next() % 256) as i32 - 128;
            let p = DenseQ8Params { input_offset: offset, output_offset: zero, min: -128, max: 127 };
            let (mut fast, mut reference) = ([0i8; 17], [0i8; 17]);
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
            inside += reference[..outs].iter().filter(|&&r| r > -128 && r < 127).count() as u32;
            total += outs as u32;
        }
    }
    // The device's requantisation on its own, against the core's, on every shift and
    // accumulators of every magnitude (the kernels above only reach small shifts).
    for i in 0..4096u32 {
        let shift = (i % 62) as i32 - 31;
        let r = Requant { multiplier: (next() >> 1) as i32 | (1 << 30), shift };
        let x = (next() as i32) >> (next() % 32);
        bad += u32::from(crate::kernel_q8::requant(r, x) != r.apply(core::hint::black_box(x)));
    }
    // A check on outputs that all hit the clamp would prove little: most must lie inside.
    bad + u32::from(2 * inside < total)
}
