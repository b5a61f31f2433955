//! Shared helpers for the end-to-end tests in `tests/tests/`: where the
//! default model is, and thin safe wrappers over llama.cpp's own GGUF reader
//! (the oracle our reader and writer are checked against).

pub mod tiny;

use std::ffi::{CStr, CString};
use std::path::Path;

/// Index of the largest value (the first one on ties).
pub fn argmax(row: &[f32]) -> usize {
    row.iter()
        .enumerate()
        .fold((0, f32::MIN), |b, (i, &x)| if x > b.1 { (i, x) } else { b })
        .0
}

pub use test_support::{model as smollm2, TempDir};

/// A rank-4 (alpha 8) adapter on every target of `cfg` with B drawn from
/// U(−bound, bound): a trained adapter's shape (PEFT's init leaves B at
/// zero, which changes nothing). `seed` draws A, `b_seed` B.
pub fn nonzero_lora(
    cfg: &runtime::model::ModelConfig,
    seed: u64,
    b_seed: u64,
    bound: f32,
) -> runtime::model::LoraAdapter {
    use runtime::model::{LoraAdapter, LoraSpec, LoraTarget};
    let spec = LoraSpec {
        rank: 4,
        alpha: 8.0,
        targets: LoraTarget::ALL.to_vec(),
    };
    let mut adapter = LoraAdapter::init(cfg, &spec, seed);
    let mut rng = kernels::rng::Rng::new(b_seed);
    for layer in &mut adapter.layers {
        for p in layer.iter_mut() {
            rng.fill_uniform(&mut p.b, -bound, bound);
        }
    }
    adapter
}

/// What ggml's `gguf.cpp` reads from a file.
#[derive(Debug, PartialEq)]
pub struct GgmlView {
    pub version: u32,
    pub alignment: usize,
    pub data_offset: usize,
    /// (key, gguf type id, array element type id or -1, array length)
    pub kv: Vec<(String, i32, i32, usize)>,
    /// (name, ggml type id, ne, offset, size)
    pub tensors: Vec<(String, u32, Vec<i64>, usize, usize)>,
}

/// Reads a GGUF file with ggml's own reader (metadata only), or `None` when
/// ggml rejects it.
pub fn ggml_read(path: &Path) -> Option<GgmlView> {
    use llama_cpp_sys_2 as sys;
    let c = CString::new(path.to_str()?).ok()?;
    let params = sys::gguf_init_params {
        no_alloc: true,
        ctx: std::ptr::null_mut(),
    };
    // SAFETY: valid NUL-terminated path; no_alloc with a null ctx only parses metadata.
    let ctx = unsafe { sys::gguf_init_from_file(c.as_ptr(), params) };
    if ctx.is_null() {
        return None;
    }
    // SAFETY: ctx is a live gguf_context until gguf_free below; ids are in range.
    let view = unsafe {
        let n_kv = sys::gguf_get_n_kv(ctx);
        let kv = (0..n_kv)
            .map(|i| {
                let key = CStr::from_ptr(sys::gguf_get_key(ctx, i))
                    .to_string_lossy()
                    .into_owned();
                let ty = sys::gguf_get_kv_type(ctx, i) as i32;
                let (at, n) = if ty == 9 {
                    (
                        sys::gguf_get_arr_type(ctx, i) as i32,
                        sys::gguf_get_arr_n(ctx, i),
                    )
                } else {
                    (-1, 0)
                };
                (key, ty, at, n)
            })
            .collect();
        let n_t = sys::gguf_get_n_tensors(ctx);
        let tensors = (0..n_t)
            .map(|i| {
                let name = CStr::from_ptr(sys::gguf_get_tensor_name(ctx, i))
                    .to_string_lossy()
                    .into_owned();
                let ne = std::slice::from_raw_parts(sys::gguf_get_tensor_ne(ctx, i), 4).to_vec();
                (
                    name,
                    sys::gguf_get_tensor_type(ctx, i) as u32,
                    ne,
                    sys::gguf_get_tensor_offset(ctx, i),
                    sys::gguf_get_tensor_size(ctx, i),
                )
            })
            .collect();
        let v = GgmlView {
            version: sys::gguf_get_version(ctx),
            alignment: sys::gguf_get_alignment(ctx),
            data_offset: sys::gguf_get_data_offset(ctx),
            kv,
            tensors,
        };
        sys::gguf_free(ctx);
        v
    };
    Some(view)
}

/// Our reader's view in the same shape as [`ggml_read`] (ne padded to 4 with 1s).
pub fn our_view(h: &gguf::Header) -> GgmlView {
    let kv = h
        .metadata
        .iter()
        .map(|(k, v)| match v {
            gguf::Value::Array(t, items) => (k.clone(), 9, *t as i32, items.len()),
            other => (k.clone(), other.value_type() as i32, -1, 0),
        })
        .collect();
    let tensors = h
        .tensors
        .iter()
        .map(|t| {
            let mut ne: Vec<i64> = t.shape.iter().map(|&d| d as i64).collect();
            ne.resize(4, 1);
            (
                t.name.clone(),
                t.ty.id(),
                ne,
                t.offset as usize,
                t.n_bytes as usize,
            )
        })
        .collect();
    GgmlView {
        version: h.version,
        alignment: h.alignment as usize,
        data_offset: h.data_offset as usize,
        kv,
        tensors,
    }
}
