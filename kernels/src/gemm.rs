//! Dense f32 GEMM in the three orientations training needs. Row-major:
//! X is (T, in), W is (out, in) (ggml `ne = [in, out]`), Y is (T, out).
//!
//! - `matmul_xwt`: Y (+)= X · Wᵀ          forward
//! - `matmul_xw` : dX (+)= dY · W          backward to the input
//! - `matmul_dw` : dW (+)= dYᵀ · X         backward to the weight

/// Y[T,out] (+)= X[T,in] · W[out,in]ᵀ. With `accumulate` false Y is overwritten.
#[allow(clippy::too_many_arguments)]
pub fn matmul_xwt(x: &[f32], w: &[f32], y: &mut [f32], t: usize, n_in: usize, n_out: usize, accumulate: bool) {
    assert_eq!(x.len(), t * n_in, "x is (T, in)");
    assert_eq!(w.len(), n_out * n_in, "w is (out, in)");
    assert_eq!(y.len(), t * n_out, "y is (T, out)");
    for i in 0..t {
        let xr = &x[i * n_in..(i + 1) * n_in];
        for o in 0..n_out {
            let wr = &w[o * n_in..(o + 1) * n_in];
            let s: f32 = xr.iter().zip(wr).map(|(a, b)| a * b).sum();
            let dst = &mut y[i * n_out + o];
            *dst = if accumulate { *dst + s } else { s };
        }
    }
}

/// dX[T,in] (+)= dY[T,out] · W[out,in].
pub fn matmul_xw(dy: &[f32], w: &[f32], dx: &mut [f32], t: usize, n_out: usize, n_in: usize, accumulate: bool) {
    assert_eq!(dy.len(), t * n_out, "dy is (T, out)");
    assert_eq!(w.len(), n_out * n_in, "w is (out, in)");
    assert_eq!(dx.len(), t * n_in, "dx is (T, in)");
    if !accumulate {
        dx.fill(0.0);
    }
    for i in 0..t {
        let dxr = &mut dx[i * n_in..(i + 1) * n_in];
        for o in 0..n_out {
            let g = dy[i * n_out + o];
            let wr = &w[o * n_in..(o + 1) * n_in];
            for (d, wv) in dxr.iter_mut().zip(wr) {
                *d += g * wv;
            }
        }
    }
}

/// dW[out,in] (+)= dY[T,out]ᵀ · X[T,in].
pub fn matmul_dw(dy: &[f32], x: &[f32], dw: &mut [f32], t: usize, n_out: usize, n_in: usize, accumulate: bool) {
    assert_eq!(dy.len(), t * n_out, "dy is (T, out)");
    assert_eq!(x.len(), t * n_in, "x is (T, in)");
    assert_eq!(dw.len(), n_out * n_in, "dw is (out, in)");
    if !accumulate {
        dw.fill(0.0);
    }
    for i in 0..t {
        let xr = &x[i * n_in..(i + 1) * n_in];
        for o in 0..n_out {
            let g = dy[i * n_out + o];
            let dwr = &mut dw[o * n_in..(o + 1) * n_in];
            for (d, xv) in dwr.iter_mut().zip(xr) {
                *d += g * xv;
            }
        }
    }
}
