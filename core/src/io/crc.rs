//! CRC-32 (IEEE 802.3, the one of zlib, PNG and Ethernet).

/// The CRC of each 4-bit value: 64 bytes of flash instead of the 1 KiB of a byte table, for
/// two lookups per byte (the model files and frames it checks are a few KiB).
const fn table() -> [u32; 16] {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static TABLE: [u32; 16] = table();

/// A CRC-32 computed over pieces.
#[derive(Clone, Copy, Debug)]
pub struct Crc32(u32);

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    /// Nothing added yet.
    pub const fn new() -> Self {
        Self(0xFFFF_FFFF)
    }

    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut c = self.0;
        for &b in bytes {
            c ^= b as u32;
            c = TABLE[(c & 0xF) as usize] ^ (c >> 4);
            c = TABLE[(c & 0xF) as usize] ^ (c >> 4);
        }
        self.0 = c;
    }

    /// The CRC of everything added.
    pub fn finish(self) -> u32 {
        !self.0
    }
}

/// CRC-32 of `bytes` (reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF).
///
/// ```
/// assert_eq!(tinymlp::io::crc32(b"123456789"), 0xCBF4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = Crc32::new();
    c.update(bytes);
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one bit at a time.
    fn bitwise(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in bytes {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    #[test]
    fn matches_the_bitwise_definition_and_zlib() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for n in [0, 1, 2, 3, 7, 64, 999, 1000] {
            assert_eq!(crc32(&data[..n]), bitwise(&data[..n]), "{n} bytes");
        }
        // zlib.crc32(b"The quick brown fox jumps over the lazy dog") in Python.
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
        let mut pieces = Crc32::new();
        pieces.update(&data[..300]);
        pieces.update(&data[300..]);
        assert_eq!(pieces.finish(), crc32(&data));
    }
}
