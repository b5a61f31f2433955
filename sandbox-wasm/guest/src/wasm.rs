//! wasm32 exports and the allocator hook. When `memory.grow` fails (the
//! host's memory limit), the allocator calls the imported `host_oom`, which
//! traps: the host reports MemoryError instead of a generic abort. Panics
//! (interpreter bugs) are reported through `host_panic` the same way.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU32, Ordering};

static OUT_PTR: AtomicU32 = AtomicU32::new(0);
static OUT_LEN: AtomicU32 = AtomicU32::new(0);

pub fn publish_output(out: &str) {
    OUT_PTR.store(out.as_ptr() as u32, Ordering::Relaxed);
    OUT_LEN.store(out.len() as u32, Ordering::Relaxed);
}

/// Pointer to the program output so far (valid after a trap).
#[no_mangle]
pub extern "C" fn sandbox_output_ptr() -> u32 {
    OUT_PTR.load(Ordering::Relaxed)
}

/// Length of the program output so far.
#[no_mangle]
pub extern "C" fn sandbox_output_len() -> u32 {
    OUT_LEN.load(Ordering::Relaxed)
}

#[link(wasm_import_module = "env")]
extern "C" {
    fn host_oom(size: u32);
    fn host_panic(ptr: *const u8, len: u32);
}

/// Size-class allocator in front of the system allocator (dlmalloc): blocks
/// of up to `SMALL_MAX` bytes (8-byte aligned) come from per-class free lists
/// refilled from 64 KiB chunks, so the interpreter's many small, short-lived
/// allocations (frames, argument vectors, `Rc` boxes) cost a few wasm
/// instructions instead of a dlmalloc round trip (wasmi executes every one of
/// them). Freed small blocks stay on their list (reused by the same class);
/// larger blocks go straight to dlmalloc. The guest is single-threaded.
struct OomReporting;

const SMALL_MAX: usize = 256;
const CLASSES: usize = SMALL_MAX / 8;
const CHUNK: usize = 64 << 10;

struct SmallHeap {
    free: [*mut u8; CLASSES],
    bump: usize,
    end: usize,
}

static mut HEAP: SmallHeap = SmallHeap {
    free: [std::ptr::null_mut(); CLASSES],
    bump: 0,
    end: 0,
};

/// Size class of a small layout, or None for dlmalloc.
fn class_of(layout: &Layout) -> Option<usize> {
    if layout.size() <= SMALL_MAX && layout.align() <= 8 {
        Some((layout.size().max(1) + 7) / 8 - 1)
    } else {
        None
    }
}

unsafe fn small_alloc(class: usize) -> *mut u8 {
    let heap = &mut *std::ptr::addr_of_mut!(HEAP);
    let head = heap.free[class];
    if !head.is_null() {
        heap.free[class] = *(head as *mut *mut u8);
        return head;
    }
    let size = (class + 1) * 8;
    if heap.end - heap.bump < size {
        let chunk = System.alloc(Layout::from_size_align_unchecked(CHUNK, 8));
        if chunk.is_null() {
            host_oom(CHUNK as u32);
            return chunk;
        }
        heap.bump = chunk as usize;
        heap.end = heap.bump + CHUNK;
    }
    let p = heap.bump as *mut u8;
    heap.bump += size;
    p
}

unsafe fn small_free(ptr: *mut u8, class: usize) {
    let heap = &mut *std::ptr::addr_of_mut!(HEAP);
    *(ptr as *mut *mut u8) = heap.free[class];
    heap.free[class] = ptr;
}

unsafe impl GlobalAlloc for OomReporting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if let Some(c) = class_of(&layout) {
            return small_alloc(c);
        }
        let p = System.alloc(layout);
        if p.is_null() {
            host_oom(layout.size() as u32);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(&layout) {
            Some(c) => small_free(ptr, c),
            None => System.dealloc(ptr, layout),
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let (old_c, new_c) = (class_of(&layout), class_of(&new_layout));
        if old_c.is_none() && new_c.is_none() {
            let p = System.realloc(ptr, layout, new_size);
            if p.is_null() {
                host_oom(new_size as u32);
            }
            return p;
        }
        if old_c.is_some() && old_c == new_c {
            return ptr;
        }
        let p = self.alloc(new_layout);
        if !p.is_null() {
            std::ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        p
    }
}

#[global_allocator]
static ALLOC: OomReporting = OomReporting;

/// Allocate `len` bytes for the host to write the source into.
#[no_mangle]
pub extern "C" fn sandbox_alloc(len: u32) -> *mut u8 {
    let mut v = vec![0u8; len as usize];
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Run the program in `[ptr, ptr+len)`; returns a pointer to
/// `u32 length` + encoded result (see `encode_result`).
#[no_mangle]
pub extern "C" fn sandbox_run(
    ptr: *mut u8,
    len: u32,
    output_bytes: u32,
    recursion_depth: u32,
    memory_bytes: u32,
) -> *const u8 {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.to_string();
        unsafe { host_panic(msg.as_ptr(), msg.len() as u32) };
    }));
    let src = unsafe { Vec::from_raw_parts(ptr, len as usize, len as usize) };
    let text = String::from_utf8_lossy(&src).into_owned();
    drop(src);
    let limits = crate::GuestLimits {
        output_bytes: output_bytes as usize,
        recursion_depth,
        memory_bytes: memory_bytes as usize,
    };
    let r = crate::run_source(&text, limits);
    let payload = crate::encode_result(&r);
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&payload);
    let p = out.as_ptr();
    std::mem::forget(out);
    p
}
