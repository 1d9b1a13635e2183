//! The dense layers' `W·x + b` for the device: tinymlp's canonical order of operations
//! (`tinymlp::kernel`), written in assembly for the cores with a single-precision FPU
//! (Cortex-M4F, M7, M33), and the core's portable kernel everywhere else.
//!
//! Why assembly: every multiply-add needs one `vmla.f32` and its weight, and the weights can
//! come eight at a time with one `vldm`; no compiler emits `vldm` for this loop (see
//! README.md, "Performance"), so the compiled kernel spends 2–3 extra instructions per
//! multiply-add on single loads and addressing.
//!
//! The assembly computes two outputs at a time. For each chunk of eight inputs it loads the
//! chunk (`s16–s23`), then eight weights of each of the two rows (`s24–s31`) and adds each
//! product to its lane: output 0's lanes are `s0–s7`, output 1's `s8–s15`. Lane `k` gets the
//! terms `i ≡ k (mod 8)` in increasing `i`, starting from `+0.0` (loaded from memory: no
//! `vmov` immediate encodes zero), exactly as `tinymlp::numeric::kernel::dot`. `vmla.f32` rounds the
//! product before adding, like Rust's `a * b + c` (it is not the fused `vfma.f32`). The lanes
//! are then combined in the canonical tree and the bias is added. Inputs whose length is not
//! a multiple of eight, and the last output of an odd count, use the portable kernel.
//!
//! The self-test (`load-check` feature, see `kernel_check.rs`) compares this kernel with `tinymlp::numeric::kernel::Canonical` bit for bit on
//! awkward values (`−0.0`, subnormals, infinities, NaN, cancellations) before anything else.

use tinymlp::numeric::kernel::{Canonical, Kernel};

/// The kernel this firmware's layers and trainer compute with (their type parameter `K`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Device;

impl Kernel for Device {
    #[inline]
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        #[cfg(target_abi = "eabihf")]
        if IN >= 8 && IN.is_multiple_of(8) && IN * 4 < 4096 && OUT >= 2 {
            let pairs = OUT / 2;
            pairs_fpu::<IN, OUT>(weight, bias, x, z, pairs);
            if OUT % 2 == 1 {
                let o = OUT - 1;
                z[o] = tinymlp::numeric::kernel::dot_n(&weight[o], x) + bias[o];
            }
            return;
        }
        Canonical::affine(weight, bias, x, z)
    }

    /// Eight values per `vldm`/`vstm`, one `vmla.f32` each (`y + x·a`, rounded like Rust's
    /// `y + a * x`: the product commutes exactly).
    #[cfg(target_abi = "eabihf")]
    #[inline]
    fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
        let n = y.len().min(x.len());
        let chunks = n / 8;
        if chunks > 0 {
            // SAFETY: reads `x[..8·chunks]` and reads and writes `y[..8·chunks]`, in bounds
            // (`chunks ≤ n / 8`); registers declared below; no stack.
            unsafe {
                core::arch::asm!(
                    "vmov s16, {a}",
                    "2:",
                    "vldmia {y}, {{s0-s7}}",
                    "vldmia {x}!, {{s8-s15}}",
                    "vmla.f32 s0, s8, s16",
                    "vmla.f32 s1, s9, s16",
                    "vmla.f32 s2, s10, s16",
                    "vmla.f32 s3, s11, s16",
                    "vmla.f32 s4, s12, s16",
                    "vmla.f32 s5, s13, s16",
                    "vmla.f32 s6, s14, s16",
                    "vmla.f32 s7, s15, s16",
                    "vstmia {y}!, {{s0-s7}}",
                    "subs {n}, {n}, #1",
                    "bne 2b",
                    a = in(reg) a.to_bits(),
                    y = inout(reg) y.as_mut_ptr() => _,
                    x = inout(reg) x.as_ptr() => _,
                    n = inout(reg) chunks => _,
                    out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                    out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                    out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                    out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                    out("s16") _,
                    options(nostack),
                );
            }
        }
        for (yi, xi) in y[8 * chunks..n].iter_mut().zip(&x[8 * chunks..n]) {
            *yi += a * xi;
        }
    }

    /// The sum of the magnitudes in eight lanes (`vabs.f32`, `vadd.f32`): at least the
    /// largest magnitude (rounding is monotone), NaN or `+∞` with a NaN or infinity, in 2.4
    /// instructions per value where comparing bit patterns takes about 5.
    #[cfg(target_abi = "eabihf")]
    #[inline]
    fn abs_bound(x: &[f32]) -> f32 {
        let chunks = x.len() / 8;
        let mut lanes = [0.0f32; 8];
        if chunks > 0 {
            // SAFETY: reads `x[..8·chunks]` and `ZEROS`, writes `lanes`: in bounds;
            // registers declared below; no stack.
            unsafe {
                core::arch::asm!(
                    "vldmia {zeros}, {{s0-s7}}",
                    "2:",
                    "vldmia {x}!, {{s8-s15}}",
                    "vabs.f32 s8, s8",
                    "vabs.f32 s9, s9",
                    "vabs.f32 s10, s10",
                    "vabs.f32 s11, s11",
                    "vabs.f32 s12, s12",
                    "vabs.f32 s13, s13",
                    "vabs.f32 s14, s14",
                    "vabs.f32 s15, s15",
                    "vadd.f32 s0, s0, s8",
                    "vadd.f32 s1, s1, s9",
                    "vadd.f32 s2, s2, s10",
                    "vadd.f32 s3, s3, s11",
                    "vadd.f32 s4, s4, s12",
                    "vadd.f32 s5, s5, s13",
                    "vadd.f32 s6, s6, s14",
                    "vadd.f32 s7, s7, s15",
                    "subs {n}, {n}, #1",
                    "bne 2b",
                    "vstmia {lanes}, {{s0-s7}}",
                    zeros = in(reg) ZEROS.as_ptr(),
                    lanes = in(reg) lanes.as_mut_ptr(),
                    x = inout(reg) x.as_ptr() => _,
                    n = inout(reg) chunks => _,
                    out("s0") _, out("s1") _, out("s2") _, out("s3") _,
                    out("s4") _, out("s5") _, out("s6") _, out("s7") _,
                    out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                    out("s12") _, out("s13") _, out("s14") _, out("s15") _,
                    options(nostack),
                );
            }
        }
        for (l, v) in lanes.iter_mut().zip(&x[8 * chunks..]) {
            *l += v.abs();
        }
        tinymlp::numeric::kernel::combine(&lanes)
    }

    /// `vsqrt.f32`: correctly rounded, as IEEE 754 requires, so the bits of `libm::sqrtf`
    /// (which computes it in software, about 20 times the instructions).
    #[cfg(target_abi = "eabihf")]
    #[inline]
    fn sqrt(x: f32) -> f32 {
        let bits: u32;
        // SAFETY: FPU instructions on registers only. (Through core registers: the `sreg`
        // operand class needs the double-precision `vfp2` feature, which the M4F lacks.)
        unsafe {
            core::arch::asm!(
                "vmov s0, {x}",
                "vsqrt.f32 s0, s0",
                "vmov {r}, s0",
                x = in(reg) x.to_bits(),
                r = lateout(reg) bits,
                out("s0") _,
                options(pure, nomem, nostack),
            )
        };
        f32::from_bits(bits)
    }
}

/// `+0.0` for the eight lanes of two outputs, loaded with one `vldm`.
#[cfg(target_abi = "eabihf")]
static ZEROS: [f32; 16] = [0.0; 16];

/// Outputs `0..2·pairs`, two at a time. Requires `IN` a non-zero multiple of 8 below 1024.
#[cfg(target_abi = "eabihf")]
#[inline(never)]
fn pairs_fpu<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: &[f32; OUT],
    x: &[f32; IN],
    z: &mut [f32; OUT],
    pairs: usize,
) {
    assert!(IN >= 8 && IN.is_multiple_of(8) && IN * 4 < 4096 && pairs >= 1 && 2 * pairs <= OUT);
    // SAFETY: the assembly reads `x[..IN]`, the rows `weight[..2·pairs]`, `bias[..2·pairs]`
    // and `ZEROS`, and writes `z[..2·pairs]`: all in bounds by the assertion above. It uses
    // the registers declared below and no stack; the flags are clobbered (no
    // `preserves_flags`).
    unsafe {
        core::arch::asm!(
            "2:",
            "vldmia {zeros}, {{s0-s15}}",
            "add {w1}, {w0}, #{stride}",
            ".rept {chunks}",
            "vldmia {x}!, {{s16-s23}}",
            "vldmia {w0}!, {{s24-s31}}",
            "vmla.f32 s0, s24, s16",
            "vmla.f32 s1, s25, s17",
            "vmla.f32 s2, s26, s18",
            "vmla.f32 s3, s27, s19",
            "vmla.f32 s4, s28, s20",
            "vmla.f32 s5, s29, s21",
            "vmla.f32 s6, s30, s22",
            "vmla.f32 s7, s31, s23",
            "vldmia {w1}!, {{s24-s31}}",
            "vmla.f32 s8, s24, s16",
            "vmla.f32 s9, s25, s17",
            "vmla.f32 s10, s26, s18",
            "vmla.f32 s11, s27, s19",
            "vmla.f32 s12, s28, s20",
            "vmla.f32 s13, s29, s21",
            "vmla.f32 s14, s30, s22",
            "vmla.f32 s15, s31, s23",
            ".endr",
            // ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), output 0 into s16 …
            "vadd.f32 s16, s0, s4",
            "vadd.f32 s17, s2, s6",
            "vadd.f32 s16, s16, s17",
            "vadd.f32 s18, s1, s5",
            "vadd.f32 s19, s3, s7",
            "vadd.f32 s18, s18, s19",
            "vadd.f32 s16, s16, s18",
            // … and output 1 into s17.
            "vadd.f32 s17, s8, s12",
            "vadd.f32 s18, s10, s14",
            "vadd.f32 s17, s17, s18",
            "vadd.f32 s19, s9, s13",
            "vadd.f32 s20, s11, s15",
            "vadd.f32 s19, s19, s20",
            "vadd.f32 s17, s17, s19",
            // + bias, then store both.
            "vldmia {b}!, {{s24-s25}}",
            "vadd.f32 s16, s16, s24",
            "vadd.f32 s17, s17, s25",
            "vstmia {z}!, {{s16-s17}}",
            // Next pair: rewind x, the first row is where the second one ended.
            "sub {x}, {x}, #{stride}",
            "mov {w0}, {w1}",
            "subs {pairs}, {pairs}, #1",
            "bne 2b",
            zeros = in(reg) ZEROS.as_ptr(),
            x = inout(reg) x.as_ptr() => _,
            w0 = inout(reg) weight.as_ptr().cast::<f32>() => _,
            w1 = out(reg) _,
            b = inout(reg) bias.as_ptr() => _,
            z = inout(reg) z.as_mut_ptr() => _,
            pairs = inout(reg) pairs => _,
            stride = const IN * 4,
            chunks = const IN / 8,
            out("s0") _, out("s1") _, out("s2") _, out("s3") _,
            out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            out("s12") _, out("s13") _, out("s14") _, out("s15") _,
            out("s16") _, out("s17") _, out("s18") _, out("s19") _,
            out("s20") _, out("s21") _, out("s22") _, out("s23") _,
            out("s24") _, out("s25") _, out("s26") _, out("s27") _,
            out("s28") _, out("s29") _, out("s30") _, out("s31") _,
            options(nostack),
        );
    }
}
