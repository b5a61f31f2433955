//! The real SmolLM2 header, truncated at many offsets and with bytes
//! flipped: every result is an error or a valid header, never a panic, and
//! no single allocation is larger than the input — up to the in-memory size
//! of a parsed string array: an element takes at least 8 bytes on disk and
//! 32 as a `Value`, so a complete array may take up to 4× its bytes.
//!
//! The allocator is the whole test binary's, and other tests allocate on
//! their own threads at the same time, so only this thread's allocations
//! are counted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use agentcoder_tests::smollm2;

struct MaxAlloc;
static LARGEST: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static WATCHED: Cell<bool> = const { Cell::new(false) };
}

fn note(size: usize) {
    if WATCHED.with(Cell::get) {
        LARGEST.fetch_max(size, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for MaxAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        note(l.size());
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        note(new);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static A: MaxAlloc = MaxAlloc;

#[test]
fn truncations_and_flips_of_the_real_header_are_safe_and_bounded() {
    let bytes = std::fs::read(smollm2()).unwrap();
    let h = gguf::Header::parse(&bytes).unwrap();
    // The header region (metadata + tensor infos) plus a little data.
    let head = (h.data_offset as usize + 4096).min(bytes.len());
    let image = &bytes[..head];
    drop(h);
    WATCHED.with(|w| w.set(true));
    let mut s = 0x2545F4914F6CDD1Du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut errors = 0;
    for i in 0..150 {
        let cut = (i * 7919 + next() as usize) % h_len(image);
        LARGEST.store(0, Ordering::Relaxed);
        if gguf::Header::parse(&image[..cut]).is_err() {
            errors += 1;
        }
        let largest = LARGEST.load(Ordering::Relaxed);
        assert!(
            largest <= 4 * cut.max(1024),
            "cut {cut}: allocation {largest}"
        );
    }
    assert_eq!(errors, 150, "every truncated header must be rejected");
    let mut buf = image.to_vec();
    for _ in 0..150 {
        let at = next() as usize % buf.len();
        let old = buf[at];
        buf[at] ^= (next() as u8) | 1;
        LARGEST.store(0, Ordering::Relaxed);
        let _ = gguf::Header::parse(&buf);
        assert!(
            LARGEST.load(Ordering::Relaxed) <= buf.len(),
            "flip at {at}: allocation {}",
            LARGEST.load(Ordering::Relaxed)
        );
        buf[at] = old;
    }
    WATCHED.with(|w| w.set(false));
}

fn h_len(image: &[u8]) -> usize {
    image.len() - 4096
}
