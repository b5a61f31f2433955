//! Matmuls through a frozen quantized weight, forward and backward side by
//! side. W has ggml `ne = [n_in, n_out]`: `n_out` rows of `n_in` values,
//! quantized in blocks along `n_in`, borrowed straight from the GGUF map.
//!
//! - [`qmatmul_forward`]:     Y[T,out]  (+)= X[T,in] · Wᵀ
//! - [`qmatmul_backward_dx`]: dX[T,in]  (+)= dY[T,out] · W
//!
//! Both decode W one cache-sized panel at a time (see [`crate::gemm`]):
//! the forward packs KC inputs × NC outputs, the backward (whose reduction
//! runs across rows, i.e. across quant blocks) packs KC outputs × NC inputs.
//! Nothing ever holds a dequantized copy of the whole tensor.
//!
//! Each has an f32 and an int8 path ([`Compute`]); the `_in` functions
//! take the choice ([`Path`]), the plain ones are f32. A weight used many
//! times can be coded for the int8 path once ([`Int8Weight`], about 2.5
//! bytes per weight for both directions) instead of at every product.

pub use crate::gemm::Compute;
use crate::gemm::{code_int8, gemm, gemm_int8, AMatrix, BMatrix, CodedB, Elems, Matrix};
use crate::int8::QuantizedRows;
use crate::quant::{self, KernelError};
use crate::simd::{self, Int8Isa, Isa};
use gguf::GgmlType;
use std::cell::RefCell;

/// A borrowed view of a quantized weight matrix.
#[derive(Clone, Copy, Debug)]
pub struct QWeight<'a> {
    pub ty: GgmlType,
    /// `n_out` rows of `n_in / block_size` blocks.
    pub data: &'a [u8],
    pub n_in: usize,
    pub n_out: usize,
}

impl<'a> QWeight<'a> {
    /// Checks the type is supported and the bytes match the shape.
    pub fn new(
        ty: GgmlType,
        data: &'a [u8],
        n_in: usize,
        n_out: usize,
    ) -> Result<QWeight<'a>, KernelError> {
        let w = QWeight {
            ty,
            data,
            n_in,
            n_out,
        };
        w.validate()?;
        Ok(w)
    }

    pub fn validate(&self) -> Result<(), KernelError> {
        if !quant::is_supported(self.ty) {
            return Err(KernelError::Unsupported(self.ty));
        }
        let (bs, ts) = (self.ty.block_size(), self.ty.type_size());
        let expect = (self.n_in.is_multiple_of(bs))
            .then(|| self.n_out.checked_mul(self.n_in / bs * ts))
            .flatten();
        if expect != Some(self.data.len()) {
            let elements = self.n_in.saturating_mul(self.n_out);
            return Err(KernelError::Length {
                ty: self.ty,
                elements,
                bytes: self.data.len(),
            });
        }
        Ok(())
    }

    fn matrix(&self) -> Matrix<'a> {
        self.validate()
            .unwrap_or_else(|e| panic!("invalid QWeight: {e}"));
        Matrix {
            elems: Elems::Quant(self.ty, self.data),
            rows: self.n_out,
            cols: self.n_in,
        }
    }
}

/// Y[T,out] (+)= X[T,in] · Wᵀ. Panics if `w` is invalid (see
/// [`QWeight::new`]) or the slices do not match the shapes.
pub fn qmatmul_forward(x: &[f32], w: QWeight<'_>, y: &mut [f32], t: usize, accumulate: bool) {
    qmatmul_forward_with(simd::best(), x, w, y, t, accumulate)
}

/// dX[T,in] (+)= dY[T,out] · W. Panics like [`qmatmul_forward`].
pub fn qmatmul_backward_dx(dy: &[f32], w: QWeight<'_>, dx: &mut [f32], t: usize, accumulate: bool) {
    qmatmul_backward_dx_with(simd::best(), dy, w, dx, t, accumulate)
}

/// A weight coded for the int8 path once, in both directions, for the
/// best instruction set of this CPU: the products read the codes instead
/// of decoding and re-coding W each time. Same results as coding on the
/// fly.
#[derive(Default)]
pub struct Int8Weight {
    /// Wᵀ as B of the forward (K = in).
    forward: CodedB,
    /// W as B of the backward dX (K = out).
    backward: CodedB,
}

impl Int8Weight {
    pub fn new(w: QWeight<'_>) -> Int8Weight {
        Int8Weight::new_with(simd::best(), simd::best_int8(), w)
    }

    /// Coded for `isa8` (decoded with `isa`); use with the same `isa8`.
    pub fn new_with(isa: &Isa, isa8: &Int8Isa, w: QWeight<'_>) -> Int8Weight {
        let b = |transposed| BMatrix {
            m: w.matrix(),
            transposed,
        };
        Int8Weight {
            forward: code_int8(isa, isa8, b(true)),
            backward: code_int8(isa, isa8, b(false)),
        }
    }

    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.forward.bytes() + self.backward.bytes()
    }

    /// [`Int8Weight::bytes`] of an `n_out × n_in` weight on this CPU.
    pub fn bytes_for(n_in: usize, n_out: usize) -> usize {
        let nr = simd::best_int8().nr;
        CodedB::bytes_for(n_in, n_out, nr) + CodedB::bytes_for(n_out, n_in, nr)
    }
}

/// How a product through a weight computes.
#[derive(Clone, Copy)]
pub enum Path<'p> {
    F32,
    /// Int8, coding W on the fly.
    Int8,
    /// Int8 from W's codes, made once for the best instruction sets.
    Int8Coded(&'p Int8Weight),
}

impl From<Compute> for Path<'_> {
    fn from(c: Compute) -> Self {
        match c {
            Compute::F32 => Path::F32,
            Compute::Int8 => Path::Int8,
        }
    }
}

/// [`qmatmul_forward`] on the chosen path.
pub fn qmatmul_forward_in(
    path: Path<'_>,
    x: &[f32],
    w: QWeight<'_>,
    y: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    let (isa, isa8) = (simd::best(), simd::best_int8());
    match path {
        Path::F32 => qmatmul_forward_with(isa, x, w, y, t, accumulate),
        Path::Int8 => qmatmul_forward_int8_with(isa, isa8, x, w, None, y, t, accumulate),
        Path::Int8Coded(c) => qmatmul_forward_int8_with(isa, isa8, x, w, Some(c), y, t, accumulate),
    }
}

/// [`qmatmul_backward_dx`] on the chosen path.
pub fn qmatmul_backward_dx_in(
    path: Path<'_>,
    dy: &[f32],
    w: QWeight<'_>,
    dx: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    let (isa, isa8) = (simd::best(), simd::best_int8());
    match path {
        Path::F32 => qmatmul_backward_dx_with(isa, dy, w, dx, t, accumulate),
        Path::Int8 => qmatmul_backward_dx_int8_with(isa, isa8, dy, w, None, dx, t, accumulate),
        Path::Int8Coded(c) => {
            qmatmul_backward_dx_int8_with(isa, isa8, dy, w, Some(c), dx, t, accumulate)
        }
    }
}

/// a is (T, k), out is (T, n).
fn check_shapes(a: &[f32], k: usize, out: &[f32], n: usize, t: usize) {
    assert_eq!(a.len(), t * k, "input is (T, {k})");
    assert_eq!(out.len(), t * n, "output is (T, {n})");
}

/// The int8 forward on explicit instruction sets (`isa` decodes W), from
/// `coded` (W coded for `isa8`) when given.
#[allow(clippy::too_many_arguments)]
pub fn qmatmul_forward_int8_with(
    isa: &Isa,
    isa8: &Int8Isa,
    x: &[f32],
    w: QWeight<'_>,
    coded: Option<&Int8Weight>,
    y: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    check_shapes(x, w.n_in, y, w.n_out, t);
    let coded = coded.map(|c| &c.forward);
    int8_through(isa, isa8, x, w, true, coded, y, t, accumulate)
}

/// The int8 backward dX on explicit instruction sets, like
/// [`qmatmul_forward_int8_with`].
#[allow(clippy::too_many_arguments)]
pub fn qmatmul_backward_dx_int8_with(
    isa: &Isa,
    isa8: &Int8Isa,
    dy: &[f32],
    w: QWeight<'_>,
    coded: Option<&Int8Weight>,
    dx: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    check_shapes(dy, w.n_out, dx, w.n_in, t);
    let coded = coded.map(|c| &c.backward);
    int8_through(isa, isa8, dy, w, false, coded, dx, t, accumulate)
}

/// out (+)= a · Wᵀ (`transposed`, K = in) or a · W (K = out), with `a`
/// quantized per row first and W read from `coded` when given.
#[allow(clippy::too_many_arguments)]
fn int8_through(
    isa: &Isa,
    isa8: &Int8Isa,
    a: &[f32],
    w: QWeight<'_>,
    transposed: bool,
    coded: Option<&CodedB>,
    out: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    thread_local! {
        static ROWS: RefCell<QuantizedRows> = RefCell::new(QuantizedRows::default());
    }
    let k = if transposed { w.n_in } else { w.n_out };
    let b = BMatrix {
        m: w.matrix(),
        transposed,
    };
    ROWS.with(|rows| {
        // A nested call on this thread (none today) gets its own buffer.
        let mut own = QuantizedRows::default();
        let mut shared = rows.try_borrow_mut();
        let qa = match shared.as_deref_mut() {
            Ok(r) => r,
            Err(_) => &mut own,
        };
        qa.quantize_into(a, t, k, k);
        gemm_int8(isa, isa8, qa, t, b, coded, out, accumulate);
    });
}

/// [`qmatmul_forward`] on an explicit instruction set.
pub fn qmatmul_forward_with(
    isa: &Isa,
    x: &[f32],
    w: QWeight<'_>,
    y: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    assert_eq!(x.len(), t * w.n_in, "x is (T, in)");
    assert_eq!(y.len(), t * w.n_out, "y is (T, out)");
    let b = BMatrix {
        m: w.matrix(),
        transposed: true,
    };
    gemm(isa, AMatrix::rows(x, w.n_in), t, b, y, accumulate);
}

/// [`qmatmul_backward_dx`] on an explicit instruction set.
pub fn qmatmul_backward_dx_with(
    isa: &Isa,
    dy: &[f32],
    w: QWeight<'_>,
    dx: &mut [f32],
    t: usize,
    accumulate: bool,
) {
    assert_eq!(dy.len(), t * w.n_out, "dy is (T, out)");
    assert_eq!(dx.len(), t * w.n_in, "dx is (T, in)");
    let b = BMatrix {
        m: w.matrix(),
        transposed: false,
    };
    gemm(isa, AMatrix::rows(dy, w.n_out), t, b, dx, accumulate);
}

/// Scalar references: decode one row of W at a time, plain loops.
pub mod reference {
    use super::QWeight;
    use crate::quant::dequantize_row;

    fn rows<'a>(w: QWeight<'a>) -> impl Iterator<Item = Vec<f32>> + 'a {
        let row_bytes = w.data.len() / w.n_out.max(1);
        (0..w.n_out).map(move |o| {
            let mut r = vec![0.0; w.n_in];
            dequantize_row(w.ty, &w.data[o * row_bytes..(o + 1) * row_bytes], &mut r)
                .expect("valid QWeight");
            r
        })
    }

    /// Y[T,out] (+)= X[T,in] · Wᵀ, accumulated in f64.
    pub fn qmatmul_forward(x: &[f32], w: QWeight<'_>, y: &mut [f32], t: usize, accumulate: bool) {
        for (o, wr) in rows(w).enumerate() {
            for i in 0..t {
                let xr = &x[i * w.n_in..(i + 1) * w.n_in];
                let s: f64 = xr.iter().zip(&wr).map(|(a, b)| *a as f64 * *b as f64).sum();
                let dst = &mut y[i * w.n_out + o];
                *dst = if accumulate {
                    *dst + s as f32
                } else {
                    s as f32
                };
            }
        }
    }

    /// dX[T,in] (+)= dY[T,out] · W, accumulated in f64.
    pub fn qmatmul_backward_dx(
        dy: &[f32],
        w: QWeight<'_>,
        dx: &mut [f32],
        t: usize,
        accumulate: bool,
    ) {
        let mut acc = vec![0.0f64; t * w.n_in];
        for (o, wr) in rows(w).enumerate() {
            for i in 0..t {
                let g = dy[i * w.n_out + o] as f64;
                for (d, &v) in acc[i * w.n_in..(i + 1) * w.n_in].iter_mut().zip(&wr) {
                    *d += g * v as f64;
                }
            }
        }
        for (d, a) in dx.iter_mut().zip(acc) {
            *d = if accumulate { *d + a as f32 } else { a as f32 };
        }
    }
}
