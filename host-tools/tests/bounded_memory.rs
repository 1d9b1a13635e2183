//! `eval`'s figures in bounded memory: the scorer's heap does not grow with the rows. A
//! counting allocator measures the largest heap in use while a million rows are scored.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use tinymlp_host::stream::{Answer, Scorer};
use tinymlp_host::table::Task;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Scores `rows` rows of a binary task (probabilities on a grid of 1,000 values, class 1
/// above 0.3) and returns the AUC and the peak heap grown while scoring.
fn score(rows: usize, classes: &[String], in_memory: usize) -> (f64, usize) {
    let start = IN_USE.load(Ordering::Relaxed);
    PEAK.store(start, Ordering::Relaxed);
    let mut s = Scorer::with_memory(Task::Binary, classes, in_memory);
    for r in 0..rows {
        let p = ((r * 7919) % 1000) as f32 / 1000.0;
        let class = usize::from((r * 104_729) % 1000 < 300 + (p * 400.0) as usize);
        let z = (p / (1.0 - p + 1e-6)).ln();
        s.add(&[z], &[p], Answer::Class(class));
    }
    let f = s.figures().unwrap().unwrap();
    let auc = f.classification.unwrap().auc.unwrap();
    (auc, PEAK.load(Ordering::Relaxed) - start)
}

#[test]
fn the_scorer_does_not_grow_with_the_rows() {
    let classes = ["0".to_string(), "1".to_string()];
    // Sorting in segments of 16,384 scores: 100,000 rows and 1,000,000 take the same heap.
    let (auc_small, small) = score(100_000, &classes, 1 << 14);
    let (auc_large, large) = score(1_000_000, &classes, 1 << 14);
    println!("peak heap: {small} B for 100,000 rows, {large} B for 1,000,000 rows");
    assert!(large < 2 * 1024 * 1024, "1,000,000 rows took {large} B of heap");
    assert!(large < 2 * small, "{small} B for 100,000 rows, {large} B for 1,000,000");
    // The same AUC whether the scores stayed in memory or were sorted on disk.
    let (auc_memory, _) = score(100_000, &classes, 1 << 20);
    assert!((auc_small - auc_memory).abs() < 1e-12, "{auc_small} vs {auc_memory}");
    assert!(auc_large > 0.5 && auc_large < 1.0, "{auc_large}");
}
