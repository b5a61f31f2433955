//! Tuned GEMM and quantized matmuls against their scalar references:
//! random shapes with odd T and ragged tails, accumulate on and off, the
//! scalar and the detected SIMD instruction set, and 1 vs 2 threads.

use gguf::GgmlType;
use kernels::gemm::{self, reference, with_isa, Dims};
use kernels::int8::GROUP;
use kernels::qmatmul::{
    self, qmatmul_backward_dx_int8_with, qmatmul_backward_dx_with, qmatmul_forward_int8_with,
    qmatmul_forward_with, Int8Weight, QWeight,
};
use kernels::quant::{dequantize_row, quantize_row};
use kernels::rng::Rng;
use kernels::simd::{self, Isa};

use crate::support::DEQUANT_TYPES;

/// Float error bound for a sum of `k` products whose absolute values sum
/// to `abs` (plus the accumulated initial value): f32 accumulation in any
/// order stays within (k+1)·ε·abs, and both sides carry such an error.
fn close(got: &[f32], want: &[f32], abs: &[f32], k: usize, what: &str) {
    assert_eq!(got.len(), want.len());
    for (i, ((g, w), a)) in got.iter().zip(want).zip(abs).enumerate() {
        let tol = 2.0 * (k + 1) as f32 * f32::EPSILON * a + 1e-30;
        assert!(
            (g - w).abs() <= tol,
            "{what}: element {i}: got {g} want {w} (tol {tol})"
        );
    }
}

fn randn(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.normal()).collect()
}

fn abs(v: &[f32]) -> Vec<f32> {
    v.iter().map(|x| x.abs()).collect()
}

const SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (7, 33, 17),
    (13, 256, 70),
    (6, 512, 16),
    (37, 300, 129),
    (1, 64, 200),
    (100, 64, 5),
    (61, 777, 48),
];

/// Every ISA this CPU runs (AVX-512, AVX2, scalar here), scalar last.
fn isas() -> Vec<&'static Isa> {
    simd::available()
}

#[test]
fn f32_gemm_matches_reference() {
    let mut rng = Rng::new(1);
    for &(t, n_in, n_out) in SHAPES {
        let dims = Dims { t, n_in, n_out };
        let (x, w, dy) = (
            randn(&mut rng, t * n_in),
            randn(&mut rng, n_out * n_in),
            randn(&mut rng, t * n_out),
        );
        for isa in isas() {
            for acc in [false, true] {
                let what = format!("{} t={t} in={n_in} out={n_out} acc={acc}", isa.name);
                let init = randn(&mut rng, t * n_out);
                let (mut got, mut want, mut bound) = (init.clone(), init.clone(), abs(&init));
                with_isa::matmul_xwt(isa, &x, &w, &mut got, dims, acc);
                reference::matmul_xwt(&x, &w, &mut want, dims, acc);
                reference::matmul_xwt(&abs(&x), &abs(&w), &mut bound, dims, acc);
                close(&got, &want, &bound, n_in, &format!("xwt {what}"));

                let init = randn(&mut rng, t * n_in);
                let (mut got, mut want, mut bound) = (init.clone(), init.clone(), abs(&init));
                with_isa::matmul_xw(isa, &dy, &w, &mut got, dims, acc);
                reference::matmul_xw(&dy, &w, &mut want, dims, acc);
                reference::matmul_xw(&abs(&dy), &abs(&w), &mut bound, dims, acc);
                close(&got, &want, &bound, n_out, &format!("xw {what}"));

                let init = randn(&mut rng, n_out * n_in);
                let (mut got, mut want, mut bound) = (init.clone(), init.clone(), abs(&init));
                with_isa::matmul_dw(isa, &dy, &x, &mut got, dims, acc);
                reference::matmul_dw(&dy, &x, &mut want, dims, acc);
                reference::matmul_dw(&abs(&dy), &abs(&x), &mut bound, dims, acc);
                close(&got, &want, &bound, t, &format!("dw {what}"));
            }
        }
        // The public entry points use the detected ISA.
        let (mut a, mut b) = (vec![0.0; t * n_out], vec![0.0; t * n_out]);
        gemm::matmul_xwt(&x, &w, &mut a, dims, false);
        with_isa::matmul_xwt(simd::best(), &x, &w, &mut b, dims, false);
        assert_eq!(a, b);
    }
}

/// A quantized weight built from random data: Q8_0 blocks re-encoded for
/// types we cannot quantize (their bytes are random but valid: the f16
/// scales are overwritten by small finite values).
fn random_weight(ty: GgmlType, n_in: usize, n_out: usize, rng: &mut Rng) -> Vec<u8> {
    let row_bytes = n_in / ty.block_size() * ty.type_size();
    let w = randn(rng, n_in * n_out);
    let mut data = vec![0u8; row_bytes * n_out];
    if quantize_row(ty, &w, &mut data).is_ok() {
        return data;
    }
    for b in data.iter_mut() {
        *b = rng.next_u64() as u8;
    }
    let off = match ty {
        GgmlType::Q2_K => 80,
        GgmlType::Q3_K => 108,
        GgmlType::Q5_K => 0,
        _ => unreachable!("{ty} is quantizable"),
    };
    for block in data.chunks_exact_mut(ty.type_size()) {
        for o in [off, off + 2] {
            if o + 2 <= block.len() && !(ty == GgmlType::Q3_K && o == off + 2) {
                let s = kernels::quant::half::f32_to_f16(rng.uniform(0.001, 0.05));
                block[o..o + 2].copy_from_slice(&s.to_le_bytes());
            }
        }
    }
    data
}

fn dequantized(w: QWeight<'_>) -> Vec<f32> {
    let mut out = vec![0.0; w.n_in * w.n_out];
    let rb = w.data.len() / w.n_out;
    for (o, row) in out.chunks_exact_mut(w.n_in).enumerate() {
        dequantize_row(w.ty, &w.data[o * rb..(o + 1) * rb], row).unwrap();
    }
    out
}

#[test]
fn qmatmul_matches_reference_for_every_type() {
    let mut rng = Rng::new(2);
    for &ty in DEQUANT_TYPES {
        let bs = ty.block_size().max(32);
        for &(t, in_blocks, n_out) in &[(1, 1, 1), (7, 2, 37), (13, 1, 70), (33, 3, 16)] {
            let n_in = in_blocks * if bs == 32 { 96 } else { bs };
            let data = random_weight(ty, n_in, n_out, &mut rng);
            let w = QWeight::new(ty, &data, n_in, n_out).unwrap();
            let wf = dequantized(w);
            let dims = Dims { t, n_in, n_out };
            let (x, dy) = (randn(&mut rng, t * n_in), randn(&mut rng, t * n_out));
            for isa in isas() {
                for acc in [false, true] {
                    let what = format!("{ty} {} t={t} in={n_in} out={n_out} acc={acc}", isa.name);
                    let init = randn(&mut rng, t * n_out);
                    let (mut got, mut want, mut bound) = (init.clone(), init.clone(), abs(&init));
                    qmatmul_forward_with(isa, &x, w, &mut got, t, acc);
                    qmatmul::reference::qmatmul_forward(&x, w, &mut want, t, acc);
                    reference::matmul_xwt(&abs(&x), &abs(&wf), &mut bound, dims, acc);
                    close(&got, &want, &bound, n_in, &format!("forward {what}"));

                    let init = randn(&mut rng, t * n_in);
                    let (mut got, mut want, mut bound) = (init.clone(), init.clone(), abs(&init));
                    qmatmul_backward_dx_with(isa, &dy, w, &mut got, t, acc);
                    qmatmul::reference::qmatmul_backward_dx(&dy, w, &mut want, t, acc);
                    reference::matmul_xw(&abs(&dy), &abs(&wf), &mut bound, dims, acc);
                    close(&got, &want, &bound, n_out, &format!("backward {what}"));
                }
            }
        }
    }
}

/// Per element of C = A·Bᵀ (A is M×K, `bt` is N×K) on the int8 path:
/// (worst-case quantization error, magnitude of the float epilogue terms).
/// Per group, activations are within sa/2 (sa = max|a|/127) and weights
/// within sb/2 (sb = range/127, the range taken with 0 included, which
/// only widens it), so each product is within (sa/2)(|w| + sb/2) + |a|·sb/2;
/// the epilogue adds terms of size at most Σ|a|·2·max|w| per group.
fn int8_terms(a: &[f32], bt: &[f32], m: usize, n: usize, k: usize) -> (Vec<f32>, Vec<f32>) {
    let (mut err, mut mag) = (vec![0.0; m * n], vec![0.0; m * n]);
    for i in 0..m {
        for j in 0..n {
            let (mut e, mut g_mag) = (0.0f64, 0.0f64);
            for g0 in (0..k).step_by(GROUP) {
                let g1 = (g0 + GROUP).min(k);
                let (ar, br) = (&a[i * k + g0..i * k + g1], &bt[j * k + g0..j * k + g1]);
                let sa = ar.iter().fold(0.0f32, |m, v| m.max(v.abs())) as f64 / 127.0;
                let (lo, hi) = br
                    .iter()
                    .fold((0.0f32, 0.0f32), |(l, h), &v| (l.min(v), h.max(v)));
                let sb = (hi - lo) as f64 / 127.0;
                let mut sum_a = 0.0f64;
                for (&x, &w) in ar.iter().zip(br) {
                    e += sa / 2.0 * (w.abs() as f64 + sb / 2.0) + x.abs() as f64 * sb / 2.0;
                    sum_a += x.abs() as f64;
                }
                g_mag += (sum_a + 32.0 * sa) * 2.0 * (hi.max(-lo) as f64);
            }
            let groups = k.div_ceil(GROUP) as f64;
            err[i * n + j] = (e + 8.0 * groups * f32::EPSILON as f64 * g_mag) as f32;
            mag[i * n + j] = g_mag as f32;
        }
    }
    (err, mag)
}

fn transpose(v: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    (0..cols * rows)
        .map(|i| v[(i % rows) * cols + i / rows])
        .collect()
}

#[test]
fn int8_qmatmul_is_within_its_quantization_bound_for_every_type() {
    let mut rng = Rng::new(4);
    for &ty in DEQUANT_TYPES {
        let bs = ty.block_size().max(32);
        for &(t, in_blocks, n_out) in
            &[(1, 1, 1), (7, 2, 37), (13, 1, 70), (33, 3, 16), (9, 1, 300)]
        {
            let n_in = in_blocks * if bs == 32 { 96 } else { bs };
            let data = random_weight(ty, n_in, n_out, &mut rng);
            let w = QWeight::new(ty, &data, n_in, n_out).unwrap();
            let wf = dequantized(w);
            let wt = transpose(&wf, n_out, n_in);
            let (x, dy) = (randn(&mut rng, t * n_in), randn(&mut rng, t * n_out));
            let fwd_bound = int8_terms(&x, &wf, t, n_out, n_in).0;
            let bwd_bound = int8_terms(&dy, &wt, t, n_in, n_out).0;
            for isa8 in simd::available_int8() {
                for acc in [false, true] {
                    let what = format!("{ty} {} t={t} in={n_in} out={n_out} acc={acc}", isa8.name);
                    let init = randn(&mut rng, t * n_out);
                    let (mut got, mut want) = (init.clone(), init.clone());
                    qmatmul_forward_int8_with(simd::best(), isa8, &x, w, None, &mut got, t, acc);
                    qmatmul::reference::qmatmul_forward(&x, w, &mut want, t, acc);
                    for (e, ((g, w), b)) in got.iter().zip(&want).zip(&fwd_bound).enumerate() {
                        let tol = b + 4.0 * f32::EPSILON * init[e].abs();
                        assert!(
                            (g - w).abs() <= tol,
                            "int8 forward {what}: element {e}: got {g} want {w} (bound {tol})"
                        );
                    }

                    let init = randn(&mut rng, t * n_in);
                    let (mut got, mut want) = (init.clone(), init.clone());
                    qmatmul_backward_dx_int8_with(
                        simd::best(),
                        isa8,
                        &dy,
                        w,
                        None,
                        &mut got,
                        t,
                        acc,
                    );
                    qmatmul::reference::qmatmul_backward_dx(&dy, w, &mut want, t, acc);
                    for (e, ((g, w), b)) in got.iter().zip(&want).zip(&bwd_bound).enumerate() {
                        let tol = b + 4.0 * f32::EPSILON * init[e].abs();
                        assert!(
                            (g - w).abs() <= tol,
                            "int8 backward {what}: element {e}: got {g} want {w} (bound {tol})"
                        );
                    }
                }
            }
        }
    }
}

/// The SIMD int8 kernels compute the same integer dot products as the
/// scalar one; only the order of the float epilogue may differ.
#[test]
fn int8_isas_agree_with_the_scalar_int8_kernel() {
    let mut rng = Rng::new(5);
    let isas8 = simd::available_int8();
    let scalar = *isas8.last().unwrap();
    let (t, n_in, n_out) = (29, 512, 77);
    for ty in [GgmlType::Q4_1, GgmlType::Q4_K, GgmlType::Q8_0] {
        let data = random_weight(ty, n_in, n_out, &mut rng);
        let w = QWeight::new(ty, &data, n_in, n_out).unwrap();
        let wf = dequantized(w);
        let (x, dy) = (randn(&mut rng, t * n_in), randn(&mut rng, t * n_out));
        let fwd_mag = int8_terms(&x, &wf, t, n_out, n_in).1;
        let bwd_mag = int8_terms(&dy, &transpose(&wf, n_out, n_in), t, n_in, n_out).1;
        let (mut y0, mut dx0) = (vec![0.0; t * n_out], vec![0.0; t * n_in]);
        qmatmul_forward_int8_with(simd::scalar(), scalar, &x, w, None, &mut y0, t, false);
        qmatmul_backward_dx_int8_with(simd::scalar(), scalar, &dy, w, None, &mut dx0, t, false);
        for isa8 in &isas8 {
            let (mut y, mut dx) = (vec![0.0; t * n_out], vec![0.0; t * n_in]);
            qmatmul_forward_int8_with(simd::best(), isa8, &x, w, None, &mut y, t, false);
            qmatmul_backward_dx_int8_with(simd::best(), isa8, &dy, w, None, &mut dx, t, false);
            // Three float operations per group on terms bounded by the magnitude.
            close(
                &y,
                &y0,
                &fwd_mag,
                n_in / GROUP * 3,
                &format!("{ty} {} forward", isa8.name),
            );
            close(
                &dx,
                &dx0,
                &bwd_mag,
                n_out.div_ceil(GROUP) * 3,
                &format!("{ty} {} backward", isa8.name),
            );
        }
    }
}

#[test]
fn one_and_two_threads_agree() {
    let mut rng = Rng::new(3);
    let (t, n_in, n_out) = (45, 512, 300);
    let data = random_weight(GgmlType::Q4_K, n_in, n_out, &mut rng);
    let w = QWeight::new(GgmlType::Q4_K, &data, n_in, n_out).unwrap();
    let (x, dy) = (randn(&mut rng, t * n_in), randn(&mut rng, t * n_out));
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (mut y, mut dx, mut dw) = (
                vec![0.0; t * n_out],
                vec![0.0; t * n_in],
                vec![0.0; n_out * n_in],
            );
            qmatmul::qmatmul_forward(&x, w, &mut y, t, false);
            qmatmul::qmatmul_backward_dx(&dy, w, &mut dx, t, false);
            gemm::matmul_dw(&dy, &x, &mut dw, Dims { t, n_in, n_out }, false);
            (y, dx, dw)
        })
    };
    // Tiles change with the thread count but each element's summation
    // order does not, so the results are identical, not just close.
    assert!(run(1) == run(2));
    assert!(run(2) == run(3));
}

#[test]
fn invalid_weights_are_rejected() {
    assert!(QWeight::new(GgmlType::Q4_0, &[0u8; 18], 32, 2).is_err());
    assert!(QWeight::new(GgmlType::Q4_0, &[0u8; 36], 33, 2).is_err());
    assert!(QWeight::new(GgmlType::IQ2_XXS, &[0u8; 66], 256, 1).is_err());
    assert!(QWeight::new(GgmlType::Q4_0, &[0u8; 36], 32, 2).is_ok());
}

/// A weight coded once ([`Int8Weight`]) gives exactly the products of
/// coding it on the fly, for every type and int8 instruction set, with
/// ragged column strips and several KC chunks in both directions.
#[test]
fn coded_int8_weights_give_the_on_the_fly_products_exactly() {
    let mut rng = Rng::new(6);
    for &ty in DEQUANT_TYPES {
        let bs = ty.block_size();
        for &(t, n_in, n_out) in &[(5, 2 * bs.max(256) + bs, 45), (17, bs.max(32), 300)] {
            let data = random_weight(ty, n_in, n_out, &mut rng);
            let w = QWeight::new(ty, &data, n_in, n_out).unwrap();
            let (x, dy) = (randn(&mut rng, t * n_in), randn(&mut rng, t * n_out));
            for isa8 in simd::available_int8() {
                let coded = Int8Weight::new_with(simd::best(), isa8, w);
                let what = format!("{ty} {} t={t} in={n_in} out={n_out}", isa8.name);
                for acc in [false, true] {
                    let isa = simd::best();
                    let fwd = |c: Option<&Int8Weight>, init: &[f32]| {
                        let mut y = init.to_vec();
                        qmatmul_forward_int8_with(isa, isa8, &x, w, c, &mut y, t, acc);
                        y
                    };
                    let bwd = |c: Option<&Int8Weight>, init: &[f32]| {
                        let mut dx = init.to_vec();
                        qmatmul_backward_dx_int8_with(isa, isa8, &dy, w, c, &mut dx, t, acc);
                        dx
                    };
                    let init = randn(&mut rng, t * n_out);
                    assert!(
                        fwd(Some(&coded), &init) == fwd(None, &init),
                        "forward {what} acc={acc}"
                    );
                    let init = randn(&mut rng, t * n_in);
                    assert!(
                        bwd(Some(&coded), &init) == bwd(None, &init),
                        "backward {what} acc={acc}"
                    );
                }
                if isa8.name == simd::best_int8().name {
                    let planned = Int8Weight::bytes_for(n_in, n_out);
                    assert_eq!(coded.bytes(), planned, "{what}: the size memory plans use");
                }
            }
        }
    }
}
