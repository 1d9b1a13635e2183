//! A small seeded random number generator for `no_std` targets.

use core::convert::Infallible;
use rand_core::{SeedableRng, TryRng};

/// xoshiro128++ (Blackman & Vigna, 2019): 128 bits of state, 32-bit operations only, so it
/// is as fast on a Cortex-M0 as on the host, and the same seed gives the same stream
/// everywhere.
///
/// It implements `rand_core`'s [`Rng`](rand_core::Rng) (the trait called `RngCore` before
/// rand_core 0.10), so it can drive the initialisers, dropout and shuffling; any other
/// `Rng` works as well. Not for cryptography.
///
/// ```
/// use tinymlp::rand_core::Rng;
/// use tinymlp::Xoshiro128PlusPlus;
/// let mut a = Xoshiro128PlusPlus::new(42);
/// let mut b = Xoshiro128PlusPlus::new(42);
/// assert_eq!(a.next_u32(), b.next_u32());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Xoshiro128PlusPlus {
    s: [u32; 4],
}

impl Xoshiro128PlusPlus {
    /// Seeds the generator from a `u64`, expanded by SplitMix64 (the seeding Vigna
    /// recommends); never produces the all-zero state.
    pub const fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut s = [0u32; 4];
        let mut i = 0;
        while i < 2 {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^= x >> 31;
            s[2 * i] = x as u32;
            s[2 * i + 1] = (x >> 32) as u32;
            i += 1;
        }
        if s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 {
            s[0] = 1;
        }
        Self { s }
    }

    #[inline]
    fn step(&mut self) -> u32 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(7).wrapping_add(s[0]);
        let t = s[1] << 9;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(11);
        result
    }
}

impl TryRng for Xoshiro128PlusPlus {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.step())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = self.step() as u64;
        let hi = self.step() as u64;
        Ok(lo | (hi << 32))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let v = self.step().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        Ok(())
    }
}

impl SeedableRng for Xoshiro128PlusPlus {
    type Seed = [u8; 16];

    fn from_seed(seed: [u8; 16]) -> Self {
        let mut s = [0u32; 4];
        for (w, c) in s.iter_mut().zip(seed.as_chunks::<4>().0) {
            *w = u32::from_le_bytes(*c);
        }
        if s == [0; 4] {
            return Self::new(0);
        }
        Self { s }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn reference_output() {
        // Reference: the published algorithm (xoshiro128plusplus.c, Blackman & Vigna) run
        // in Python from state {1, 2, 3, 4}: 641, 1573767, 3222811527
        // (the first by hand: rotl(1 + 4, 7) + 1 = 641).
        let mut r = Xoshiro128PlusPlus { s: [1, 2, 3, 4] };
        assert_eq!(r.next_u32(), 641);
        assert_eq!(r.next_u32(), 1_573_767);
        assert_eq!(r.next_u32(), 3_222_811_527);
    }

    #[test]
    fn seeds_differ_and_repeat() {
        let a: [u32; 4] = core::array::from_fn({
            let mut r = Xoshiro128PlusPlus::new(1);
            move |_| r.next_u32()
        });
        let b: [u32; 4] = core::array::from_fn({
            let mut r = Xoshiro128PlusPlus::new(1);
            move |_| r.next_u32()
        });
        let c = Xoshiro128PlusPlus::new(2).next_u32();
        assert_eq!(a, b);
        assert_ne!(a[0], c);
        let mut bytes = [0u8; 7];
        Xoshiro128PlusPlus::new(1).fill_bytes(&mut bytes);
        assert_eq!(&bytes[..4], &a[0].to_le_bytes());
    }
}
