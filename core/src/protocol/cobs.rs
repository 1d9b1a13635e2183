//! Consistent Overhead Byte Stuffing (Cheshire & Baker, 1999): removes every zero byte from
//! a frame, so that a single zero can end it.

/// Why a COBS frame could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CobsError {
    /// The output buffer is too small.
    Overflow,
    /// A code byte points past the end of the frame, or the frame contains a zero.
    Malformed,
}

/// Bytes needed to encode `n` bytes (one code byte per 254 data bytes, plus one).
pub const fn max_encoded_len(n: usize) -> usize {
    n + n / 254 + 1
}

/// Encodes `src` into `dst` (without the trailing zero); returns the encoded length.
pub fn encode(src: &[u8], dst: &mut [u8]) -> Result<usize, CobsError> {
    if dst.is_empty() {
        return Err(CobsError::Overflow);
    }
    let mut code_at = 0;
    let mut code = 1u8;
    let mut out = 1;
    for &b in src {
        if b == 0 {
            dst[code_at] = code;
            code_at = out;
            code = 1;
            out += 1;
            if out > dst.len() {
                return Err(CobsError::Overflow);
            }
        } else {
            if out >= dst.len() {
                return Err(CobsError::Overflow);
            }
            dst[out] = b;
            out += 1;
            code += 1;
            if code == 0xFF {
                dst[code_at] = code;
                code_at = out;
                code = 1;
                out += 1;
                if out > dst.len() {
                    return Err(CobsError::Overflow);
                }
            }
        }
    }
    if code_at >= dst.len() {
        return Err(CobsError::Overflow);
    }
    dst[code_at] = code;
    Ok(out)
}

/// Decodes a frame (without its trailing zero) in place; returns the decoded length.
pub fn decode_in_place(buf: &mut [u8]) -> Result<usize, CobsError> {
    let (mut read, mut write) = (0, 0);
    while read < buf.len() {
        let code = buf[read];
        if code == 0 {
            return Err(CobsError::Malformed);
        }
        read += 1;
        let end = read + code as usize - 1;
        if end > buf.len() {
            return Err(CobsError::Malformed);
        }
        while read < end {
            if buf[read] == 0 {
                return Err(CobsError::Malformed);
            }
            buf[write] = buf[read];
            write += 1;
            read += 1;
        }
        if code != 0xFF && read < buf.len() {
            buf[write] = 0;
            write += 1;
        }
    }
    Ok(write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples() {
        // Examples from the COBS article (Wikipedia, "Consistent Overhead Byte Stuffing").
        let cases: [(&[u8], &[u8]); 5] = [
            (&[0x00], &[0x01, 0x01]),
            (&[0x00, 0x00], &[0x01, 0x01, 0x01]),
            (&[0x00, 0x11, 0x00], &[0x01, 0x02, 0x11, 0x01]),
            (&[0x11, 0x22, 0x00, 0x33], &[0x03, 0x11, 0x22, 0x02, 0x33]),
            (&[0x11, 0x00, 0x00, 0x00], &[0x02, 0x11, 0x01, 0x01, 0x01]),
        ];
        for (raw, enc) in cases {
            let mut buf = [0u8; 16];
            let n = encode(raw, &mut buf).unwrap();
            assert_eq!(&buf[..n], enc);
            let m = decode_in_place(&mut buf[..n]).unwrap();
            assert_eq!(&buf[..m], raw);
        }
    }

    #[test]
    fn long_runs_round_trip() {
        let raw: [u8; 600] = core::array::from_fn(|i| (i % 255) as u8 + u8::from(i % 300 == 0));
        let mut buf = [0u8; max_encoded_len(600)];
        let n = encode(&raw, &mut buf).unwrap();
        assert!(!buf[..n].contains(&0));
        let m = decode_in_place(&mut buf[..n]).unwrap();
        assert_eq!(&buf[..m], &raw[..]);
        assert_eq!(decode_in_place(&mut [0x05, 0x11]), Err(CobsError::Malformed));
        assert_eq!(encode(&[1, 2, 3], &mut [0u8; 2]), Err(CobsError::Overflow));
    }
}
