//! The exact ROC AUC of any number of scores, in bounded memory: scores are sorted in
//! segments of a fixed number of rows, spilled to temporary files when there are more, and
//! merged (the `extsort` crate), then ranked in one pass over the sorted stream.

use extsort::{ExternalSorter, Sortable};
use std::io::{self, Read, Write};

/// Scores kept in memory at once, over all the AUCs a scorer accumulates (one per class):
/// about 8 MiB of sort buffers, whatever the number of rows.
pub const ROWS_IN_MEMORY: usize = 1 << 20;

/// One score and whether its row is a positive, ordered by the score
/// (as `f32::total_cmp`, with −0 equal to +0; NaN never reaches here: outputs are checked
/// finite first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Scored {
    key: u32,
    positive: bool,
}

impl Scored {
    fn new(score: f32, positive: bool) -> Self {
        // −0 and +0 are one score (a tie). The IEEE bits made unsigned-ordered: flip all
        // bits of negatives, the sign bit of the others.
        let b = if score == 0.0 { 0 } else { score.to_bits() };
        let key = if b >> 31 == 1 { !b } else { b | 1 << 31 };
        Scored { key, positive }
    }
}

impl Sortable for Scored {
    fn encode<W: Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(&self.key.to_le_bytes())?;
        w.write_all(&[u8::from(self.positive)])
    }

    fn decode<R: Read>(r: &mut R) -> io::Result<Self> {
        let mut b = [0u8; 5];
        r.read_exact(&mut b)?;
        Ok(Scored { key: u32::from_le_bytes([b[0], b[1], b[2], b[3]]), positive: b[4] == 1 })
    }
}

/// The exact ROC AUC of scores added one at a time: ties count one half (the rank-sum
/// formula of Mann–Whitney, as `metrics::roc_auc`), in bounded memory.
///
/// ```
/// use tinymlp_host::auc::RocAuc;
/// let mut auc = RocAuc::new(1 << 10);
/// for (s, p) in [(0.1, false), (0.4, true), (0.5, false), (0.8, true)] {
///     auc.add(s, p).unwrap();
/// }
/// assert_eq!(auc.finish().unwrap(), Some(0.75));
/// ```
pub struct RocAuc {
    sorter: extsort::PushExternalSorter<Scored, fn(&Scored, &Scored) -> std::cmp::Ordering>,
}

impl RocAuc {
    /// An empty AUC that keeps at most `in_memory` scores in memory (at least 1,024).
    pub fn new(in_memory: usize) -> Self {
        let cmp: fn(&Scored, &Scored) -> std::cmp::Ordering = |a, b| a.key.cmp(&b.key);
        RocAuc { sorter: ExternalSorter::new().with_segment_size(in_memory.max(1024)).pushed_by(cmp) }
    }

    /// Adds a row's score, `positive` when the row is of the positive class.
    pub fn add(&mut self, score: f32, positive: bool) -> io::Result<()> {
        self.sorter.push(Scored::new(score, positive)).map_err(io_error)
    }

    /// The AUC; `None` without both classes.
    pub fn finish(self) -> io::Result<Option<f64>> {
        let mut sorted = self.sorter.done().map_err(io_error)?.peekable();
        // Ranks from 1, tied scores sharing their mean rank.
        let (mut rank_sum, mut n_pos, mut seen) = (0.0f64, 0u64, 0u64);
        while let Some(first) = sorted.next() {
            let first = first?;
            let (mut tied, mut pos) = (1u64, u64::from(first.positive));
            while let Some(Ok(next)) = sorted.peek() {
                if next.key != first.key {
                    break;
                }
                pos += u64::from(next.positive);
                tied += 1;
                sorted.next();
            }
            if let Some(Err(_)) = sorted.peek() {
                return Err(sorted.next().and_then(Result::err).unwrap_or_else(|| io::Error::other("sort")));
            }
            let mean_rank = seen as f64 + (tied as f64 + 1.0) / 2.0;
            rank_sum += mean_rank * pos as f64;
            n_pos += pos;
            seen += tied;
        }
        let n_neg = seen - n_pos;
        if n_pos == 0 || n_neg == 0 {
            return Ok(None);
        }
        let (p, n) = (n_pos as f64, n_neg as f64);
        Ok(Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n)))
    }
}

fn io_error(e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("sorting the scores on disk: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::roc_auc;

    fn both(scores: &[f32], pos: &[bool], in_memory: usize) -> (Option<f64>, Option<f64>) {
        let mut a = RocAuc::new(in_memory);
        for (&s, &p) in scores.iter().zip(pos) {
            a.add(s, p).unwrap();
        }
        let want = roc_auc(&scores.iter().map(|&s| s as f64).collect::<Vec<_>>(), pos);
        (a.finish().unwrap(), want)
    }

    #[test]
    fn spilled_to_disk_it_is_the_in_memory_auc() {
        // 50,000 scores with many ties and negative values, sorted in segments of 1,024.
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        let (mut scores, mut pos) = (Vec::new(), Vec::new());
        for _ in 0..50_000 {
            let r = next();
            let positive = r % 3 == 0;
            let s = ((r >> 8) % 200) as f32 / 100.0 - 1.0 + if positive { 0.3 } else { 0.0 };
            scores.push(s);
            pos.push(positive);
        }
        let (got, want) = both(&scores, &pos, 1024);
        assert!(got.is_some());
        assert!((got.unwrap() - want.unwrap()).abs() < 1e-12, "{got:?} vs {want:?}");
    }

    #[test]
    fn order_of_signed_zeros_and_ties() {
        let (got, want) = both(&[-0.0, 0.0, 0.0, -1.0, 2.0], &[true, false, true, false, true], 1024);
        assert_eq!(got, want);
        assert_eq!(both(&[0.5, 0.7], &[true, true], 1024).0, None);
    }
}
