//! The core's requantisation ([`Requant::apply`], TFLite's single-rounding
//! `MultiplyByQuantizedMultiplier`) in 32-bit operations only.
//!
//! `apply` forms the 64-bit product `x · q`, adds `2^(t − 1)` and shifts right by
//! `t = 31 − shift`. The Cortex-M0 has no 32×32→64 multiply: the compiler calls a library
//! routine for the product (`__aeabi_lmul`) and another for a 64-bit shift by a variable
//! amount. Here the product is assembled from four 16×16-bit partial products, each exact in
//! 32 bits, and the rounding and the shift work on its two 32-bit halves. The result is the
//! core's for every `x`, multiplier and shift in `−31..=30`: a randomized host test
//! (`tests/tests/int8_requant.rs`) and the firmware's self-test (`load-check`) compare the
//! two.
//!
//! The file has no dependency on the firmware, so that the host test includes it as is.

use tinymlp::quant::Requant;

/// `x · q` as a 64-bit integer, returned as its low and high 32-bit halves (two's
/// complement), from 16-bit partial products.
#[inline(always)]
pub fn mul_32x32_64(x: i32, q: i32) -> (u32, u32) {
    // x = xh·2¹⁶ + xl and q = qh·2¹⁶ + ql, with xl, ql in 0..2¹⁶ and xh, qh in −2¹⁵..2¹⁵.
    let (xl, xh) = (x as u32 & 0xffff, x >> 16);
    let (ql, qh) = (q as u32 & 0xffff, q >> 16);
    // Each partial product fits its type: |xh·ql|, |xl·qh| ≤ 2¹⁵·(2¹⁶ − 1) < 2³¹.
    let low = xl * ql;
    let cross_a = xh * ql as i32;
    let cross_b = xl as i32 * qh;
    let high = xh * qh;
    // x·q = high·2³² + (cross_a + cross_b)·2¹⁶ + low, each cross term added with its sign
    // extension into the high half.
    let (lo, carry_a) = low.overflowing_add((cross_a as u32) << 16);
    let (lo, carry_b) = lo.overflowing_add((cross_b as u32) << 16);
    let hi = (high as u32)
        .wrapping_add((cross_a >> 16) as u32)
        .wrapping_add((cross_b >> 16) as u32)
        .wrapping_add(carry_a as u32)
        .wrapping_add(carry_b as u32);
    (lo, hi)
}

/// [`Requant::apply`]: `(x·q + 2^(t − 1)) >> t` for `t = 31 − shift` (1..=62), the low 32
/// bits of the result, with no 64-bit operation.
#[inline(always)]
pub fn requant(r: Requant, x: i32) -> i32 {
    let t = (31 - r.shift) as u32;
    if t > 32 {
        // The common case (factors below 2⁻¹): the rounding bit and the result lie in the
        // high half, so only it is formed.
        let hi = mul_32x32_high(x, r.multiplier).wrapping_add(1 << (t - 33));
        return (hi as i32) >> (t - 32);
    }
    let (lo, hi) = mul_32x32_64(x, r.multiplier);
    // + 2^(t − 1), carried from the low half into the high one.
    let (sum, carry) = lo.overflowing_add(1 << (t - 1));
    let hi = hi.wrapping_add(carry as u32);
    if t == 32 { hi as i32 } else { ((sum >> t) | (hi << (32 - t))) as i32 }
}

/// The high 32 bits of `x · q` (two's complement), from 16-bit partial products: the
/// middle column's sum is formed on its own (it fits 32 bits) for its carry.
#[inline(always)]
pub fn mul_32x32_high(x: i32, q: i32) -> u32 {
    let (xl, xh) = (x as u32 & 0xffff, x >> 16);
    let (ql, qh) = (q as u32 & 0xffff, q >> 16);
    let low = xl * ql;
    let cross_a = xh * ql as i32;
    let cross_b = xl as i32 * qh;
    let high = xh * qh;
    // Bits 16 and up of low + (cross_a + cross_b)·2¹⁶, below 2³² · 3: each term's low 16
    // bits here, their high bits added below with their signs.
    let mid = (low >> 16) + (cross_a as u32 & 0xffff) + (cross_b as u32 & 0xffff);
    (high as u32)
        .wrapping_add((cross_a >> 16) as u32)
        .wrapping_add((cross_b >> 16) as u32)
        .wrapping_add(mid >> 16)
}
