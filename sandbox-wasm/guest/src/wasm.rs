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

struct OomReporting;

unsafe impl GlobalAlloc for OomReporting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if p.is_null() {
            host_oom(layout.size() as u32);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if p.is_null() {
            host_oom(new_size as u32);
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
