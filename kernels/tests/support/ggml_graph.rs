//! A minimal safe wrapper over ggml's graph API (through llama-cpp-sys-2):
//! `ggml_mul_mat` and `ggml_out_prod` on the CPU, for oracle tests and the
//! benchmark's comparison with llama.cpp's own kernels. Test/bench support
//! only; the library never links ggml.
#![allow(dead_code)]

use llama_cpp_sys_2 as sys;

/// Which ggml op a [`GgmlMatmul`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// y[T,out] = x[T,in] · Wᵀ  (ggml_mul_mat(W, x))
    MulMat,
    /// dx[T,in] = dy[T,out] · W  (ggml_out_prod(W, dyᵀ) as ggml's backward does)
    OutProd,
}

/// A ggml context holding W (quantized bytes), an f32 input and the op's
/// output; `compute` runs the graph with `n_threads`.
pub struct GgmlMatmul {
    ctx: *mut sys::ggml_context,
    graph: *mut sys::ggml_cgraph,
    input: *mut sys::ggml_tensor,
    out: *mut sys::ggml_tensor,
    pub t: usize,
    pub n_in: usize,
    pub n_out: usize,
    op: Op,
}

impl GgmlMatmul {
    /// `w` holds `n_out` rows of `n_in` values of ggml type id `ty`.
    pub fn new(op: Op, ty: u32, w: &[u8], n_in: usize, n_out: usize, t: usize) -> GgmlMatmul {
        let f32_bytes = 4 * (t * n_in + t * n_out);
        // Twice the data plus generous room for tensor and graph objects.
        let mem_size = 4 * (w.len() + f32_bytes) + 256 * 1024 * 1024;
        // SAFETY: plain FFI calls on a context we own; tensors are created
        // with the shapes whose byte sizes we copy in.
        unsafe {
            let ctx = sys::ggml_init(sys::ggml_init_params {
                mem_size,
                mem_buffer: std::ptr::null_mut(),
                no_alloc: false,
            });
            assert!(!ctx.is_null(), "ggml_init failed");
            let wt = sys::ggml_new_tensor_2d(ctx, ty, n_in as i64, n_out as i64);
            assert_eq!(sys::ggml_nbytes(wt), w.len(), "W byte size");
            std::ptr::copy_nonoverlapping(w.as_ptr(), (*wt).data as *mut u8, w.len());
            let (input, out) = match op {
                Op::MulMat => {
                    let x = sys::ggml_new_tensor_2d(ctx, sys::GGML_TYPE_F32, n_in as i64, t as i64);
                    (x, sys::ggml_mul_mat(ctx, wt, x))
                }
                Op::OutProd => {
                    // out_prod(a[in,out], b[T,out]) = a · bᵀ → [in, T]
                    let dyt =
                        sys::ggml_new_tensor_2d(ctx, sys::GGML_TYPE_F32, t as i64, n_out as i64);
                    (dyt, sys::ggml_out_prod(ctx, wt, dyt))
                }
            };
            let graph = sys::ggml_new_graph(ctx);
            sys::ggml_build_forward_expand(graph, out);
            GgmlMatmul {
                ctx,
                graph,
                input,
                out,
                t,
                n_in,
                n_out,
                op,
            }
        }
    }

    /// Runs the op on `x` (MulMat: x[T,in]; OutProd: dy[T,out]) and returns
    /// the result row-major ([T,out] or [T,in]).
    pub fn compute(&mut self, x: &[f32], n_threads: usize) -> Vec<f32> {
        self.set_input(x);
        self.run(n_threads);
        self.output()
    }

    pub fn set_input(&mut self, x: &[f32]) {
        // SAFETY: the input tensor holds exactly T·in (or out·T) f32s.
        unsafe {
            let data = (*self.input).data as *mut f32;
            match self.op {
                Op::MulMat => {
                    assert_eq!(x.len(), self.t * self.n_in);
                    std::ptr::copy_nonoverlapping(x.as_ptr(), data, x.len());
                }
                Op::OutProd => {
                    assert_eq!(x.len(), self.t * self.n_out);
                    // dyᵀ: ne = [T, out], element (t, o) at o*T + t.
                    for i in 0..self.t {
                        for o in 0..self.n_out {
                            *data.add(o * self.t + i) = x[i * self.n_out + o];
                        }
                    }
                }
            }
        }
    }

    pub fn run(&mut self, n_threads: usize) {
        // SAFETY: graph and context are alive for self's lifetime.
        let status =
            unsafe { sys::ggml_graph_compute_with_ctx(self.ctx, self.graph, n_threads as i32) };
        assert_eq!(
            status,
            sys::GGML_STATUS_SUCCESS,
            "ggml graph compute failed"
        );
    }

    pub fn output(&self) -> Vec<f32> {
        // SAFETY: MulMat out is ne=[out, T] contiguous, OutProd out is
        // ne=[in, T] contiguous: both row-major [T, cols].
        unsafe {
            let n = match self.op {
                Op::MulMat => self.t * self.n_out,
                Op::OutProd => self.t * self.n_in,
            };
            std::slice::from_raw_parts((*self.out).data as *const f32, n).to_vec()
        }
    }
}

impl Drop for GgmlMatmul {
    fn drop(&mut self) {
        // SAFETY: ctx came from ggml_init and is freed once.
        unsafe { sys::ggml_free(self.ctx) };
    }
}

/// Quantizes `rows` rows of `n_per_row` f32 with ggml (`ggml_quantize_chunk`).
pub fn ggml_quantize(ty: u32, src: &[f32], rows: usize, n_per_row: usize) -> Vec<u8> {
    // SAFETY: dst is sized with ggml_row_size for the same shape.
    unsafe {
        let row = sys::ggml_row_size(ty, n_per_row as i64);
        let mut dst = vec![0u8; row * rows];
        let written = sys::ggml_quantize_chunk(
            ty,
            src.as_ptr(),
            dst.as_mut_ptr().cast(),
            0,
            rows as i64,
            n_per_row as i64,
            std::ptr::null(),
        );
        assert_eq!(written, dst.len());
        dst
    }
}

/// Dequantizes with ggml's `type_traits[ty].to_float`.
pub fn ggml_dequantize(ty: u32, src: &[u8], n: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; n];
    // SAFETY: to_float reads n/blck blocks from src, whose size the caller matched.
    unsafe {
        let traits = &*sys::ggml_get_type_traits(ty);
        let f = traits.to_float.expect("type has to_float");
        f(src.as_ptr().cast(), out.as_mut_ptr(), n as i64);
    }
    out
}
