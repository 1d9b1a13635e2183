//! The firmware's requantisation in 32-bit operations (`firmware/src/requant32.rs`, the
//! Cortex-M0's) against the core's [`Requant::apply`] on the host: every shift, extreme and
//! random accumulators and multipliers, and the 64-bit product against `i64`'s.

#[path = "../../firmware/src/requant32.rs"]
#[allow(dead_code)]
mod requant32;

use tinymlp::quant::Requant;

/// xorshift32: a fixed sequence of test values.
fn rng(mut s: u32) -> impl FnMut() -> u32 {
    move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    }
}

/// Accumulators that probe the edges: zero, ±1, the ends of `i32`, powers of two and their
/// neighbours, and 16-bit boundaries (where the partial products split).
fn edges() -> Vec<i32> {
    let mut v = vec![0, 1, -1, i32::MIN, i32::MAX, i32::MIN + 1, i32::MAX - 1];
    for b in 0..31 {
        let p = 1i32 << b;
        v.extend([p, -p, p - 1, -(p - 1), p + 1, -(p + 1)]);
    }
    v.extend([0xffff, 0x1_0000, -0xffff, -0x1_0000, 0x7fff_0000, -0x7fff_0000, 0x8000, -0x8000]);
    v
}

#[test]
fn the_64_bit_product_is_exact() {
    let mut next = rng(0x2545_f491);
    let e = edges();
    for &x in &e {
        for &q in &e {
            let p = x as i64 * q as i64;
            assert_eq!(requant32::mul_32x32_64(x, q), (p as u32, (p >> 32) as u32), "{x} · {q}");
            assert_eq!(requant32::mul_32x32_high(x, q), (p >> 32) as u32, "{x} · {q}");
        }
    }
    for _ in 0..1_000_000 {
        let (x, q) = (next() as i32, next() as i32);
        let p = x as i64 * q as i64;
        assert_eq!(requant32::mul_32x32_64(x, q), (p as u32, (p >> 32) as u32), "{x} · {q}");
        assert_eq!(requant32::mul_32x32_high(x, q), (p >> 32) as u32, "{x} · {q}");
    }
}

#[test]
fn requant_in_32_bit_halves_is_the_cores() {
    let mut next = rng(0x9e37_79b9);
    let e = edges();
    let multipliers =
        [0, 1 << 30, (1 << 30) + 1, i32::MAX, i32::MAX - 1, 0x5555_5555, 0x4000_ffff, 0x7fff_0000];
    let mut checked = 0u64;
    for shift in -31..=30 {
        for &m in &multipliers {
            let r = Requant { multiplier: m, shift };
            for &x in &e {
                assert_eq!(requant32::requant(r, x), r.apply(x), "{x} · {r:?}");
                checked += 1;
            }
        }
        for _ in 0..50_000 {
            // Multipliers as `from_real` makes them ([2³⁰, 2³¹)) and accumulators of every
            // magnitude.
            let r = Requant { multiplier: (next() >> 1) as i32 | (1 << 30), shift };
            let x = (next() as i32) >> (next() % 32);
            assert_eq!(requant32::requant(r, x), r.apply(x), "{x} · {r:?}");
            checked += 1;
        }
    }
    // Factors that real layers have, from `from_real`, on accumulators around their rounding
    // points.
    for _ in 0..200_000 {
        let m = f64::from(next()) / f64::from(u32::MAX) * 2f64.powi((next() % 40) as i32 - 30);
        let r = Requant::from_real(m).unwrap();
        let x = (next() as i32) >> (next() % 32);
        for d in [-1, 0, 1] {
            let x = x.wrapping_add(d);
            assert_eq!(requant32::requant(r, x), r.apply(x), "{x} · {r:?}");
        }
        checked += 3;
    }
    assert!(checked > 3_000_000);
}
