//! Our quant formats against the linked ggml (llama-cpp-sys-2): type table,
//! dequantize and quantize bit for bit, on random blocks including extreme
//! scales and all-zero blocks; and our quantized matmuls against ggml's
//! `ggml_mul_mat` / `ggml_out_prod` with a stated tolerance.

use crate::support::ggml_graph::{ggml_dequantize, ggml_quantize, GgmlMatmul, Op};
use crate::support::DEQUANT_TYPES;
use gguf::{GgmlType, TYPES};
use kernels::qmatmul::{qmatmul_backward_dx, qmatmul_forward, QWeight};
use kernels::quant::{dequantize_row, is_quantizable, is_supported, quantize_row};
use kernels::rng::Rng;
use llama_cpp_sys_2 as sys;

extern "C" {
    fn dequantize_row_q8_K(x: *const std::ffi::c_void, y: *mut f32, k: i64);
    fn quantize_row_q8_K_ref(x: *const f32, y: *mut std::ffi::c_void, k: i64);
}

#[test]
fn type_table_matches_ggml() {
    for t in TYPES {
        // SAFETY: pure lookups in ggml's static type table.
        let (blck, size, name) = unsafe {
            (
                sys::ggml_blck_size(t.id),
                sys::ggml_type_size(t.id),
                std::ffi::CStr::from_ptr(sys::ggml_type_name(t.id)),
            )
        };
        assert_eq!(blck as usize, t.block_size, "{} block size", t.name);
        assert_eq!(size, t.type_size, "{} type size", t.name);
        assert!(
            name.to_str().unwrap().eq_ignore_ascii_case(t.name),
            "{} vs ggml name {name:?}",
            t.name
        );
    }
    for &ty in DEQUANT_TYPES {
        assert!(is_supported(ty));
    }
}

/// Byte offsets of the f16 scale fields (ggml-common.h) so random blocks
/// can get finite, chosen scales instead of random NaN/inf bits.
fn scale_offsets(ty: GgmlType) -> &'static [usize] {
    use GgmlType::*;
    match ty {
        Q4_0 | Q5_0 | Q8_0 => &[0],
        Q4_1 | Q5_1 | Q4_K | Q5_K => &[0, 2],
        Q2_K => &[80, 82],
        Q3_K => &[108],
        Q6_K => &[208],
        _ => &[],
    }
}

/// A scale for case `case`: ordinary, zero, largest f16, smallest
/// subnormal, negative.
fn pick_scale(rng: &mut Rng, case: usize) -> f32 {
    match case % 6 {
        0 | 1 => rng.uniform(-0.1, 0.1),
        2 => 0.0,
        3 => 65504.0,
        4 => 5.96e-8,
        _ => -rng.uniform(1.0, 1000.0),
    }
}

fn random_blocks(ty: GgmlType, n_blocks: usize, rng: &mut Rng) -> Vec<u8> {
    let size = ty.type_size();
    let mut bytes: Vec<u8> = (0..n_blocks * size).map(|_| rng.next_u64() as u8).collect();
    for (i, block) in bytes.chunks_exact_mut(size).enumerate() {
        if i % 7 == 6 {
            block.fill(0);
            continue;
        }
        for &off in scale_offsets(ty) {
            let s = kernels::quant::half::f32_to_f16(pick_scale(rng, i + off));
            block[off..off + 2].copy_from_slice(&s.to_le_bytes());
        }
        match ty {
            GgmlType::Q8_K => block[..4].copy_from_slice(&pick_scale(rng, i).to_le_bytes()),
            GgmlType::F32 => block.copy_from_slice(&(rng.normal() * 1e3).to_le_bytes()),
            _ => {}
        }
    }
    bytes
}

fn same_bits(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn dequantize_matches_ggml_bit_for_bit() {
    let mut rng = Rng::new(7);
    for &ty in DEQUANT_TYPES {
        let n_blocks = if ty.block_size() == 1 { 4096 } else { 300 };
        let bytes = random_blocks(ty, n_blocks, &mut rng);
        let n = n_blocks * ty.block_size();
        let expect = if ty == GgmlType::F32 {
            // ggml has no to_float for F32 (it is the identity).
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        } else if ty == GgmlType::Q8_K {
            // Q8_K has no to_float in ggml's type traits; call its
            // dequantizer (exported by ggml-base) directly.
            let mut out = vec![0.0f32; n];
            // SAFETY: bytes holds n/256 Q8_K blocks; out holds n floats.
            unsafe { dequantize_row_q8_K(bytes.as_ptr().cast(), out.as_mut_ptr(), n as i64) };
            out
        } else {
            ggml_dequantize(ty.id(), &bytes, n)
        };
        let mut ours = vec![0.0f32; n];
        dequantize_row(ty, &bytes, &mut ours).unwrap();
        for (i, (a, b)) in ours.iter().zip(&expect).enumerate() {
            assert!(same_bits(*a, *b), "{ty} element {i}: ours {a:e} ggml {b:e}");
        }
    }
}

/// Rows of 512 values with different character: normal, uniform, outliers,
/// all zero, constant, tiny, huge, one-sided.
fn quantize_inputs(rng: &mut Rng) -> Vec<f32> {
    let n = 512;
    let mut x = Vec::with_capacity(n * 10);
    for case in 0..10 {
        for i in 0..n {
            let v = match case {
                0 | 1 => rng.normal(),
                2 => rng.uniform(-1.0, 1.0),
                3 => rng.normal() * if i % 97 == 0 { 50.0 } else { 0.02 },
                4 => 0.0,
                5 => 0.75,
                6 => rng.normal() * 1e-20,
                7 => rng.normal() * 1e4,
                8 => rng.uniform(0.0, 3.0),
                _ => -rng.uniform(0.1, 2.0),
            };
            x.push(v);
        }
    }
    x
}

#[test]
fn quantize_matches_ggml_bit_for_bit() {
    let mut rng = Rng::new(11);
    let x = quantize_inputs(&mut rng);
    let n_per_row = 512;
    let rows = x.len() / n_per_row;
    for t in TYPES.iter().filter(|t| is_quantizable(t.ty)) {
        let expect = if t.ty == GgmlType::Q8_K {
            // ggml_quantize_chunk does not accept Q8_K (an activation-only
            // type); call its reference quantizer directly.
            let mut out = vec![0u8; x.len() / 256 * t.type_size];
            // SAFETY: out holds x.len()/256 Q8_K blocks.
            unsafe { quantize_row_q8_K_ref(x.as_ptr(), out.as_mut_ptr().cast(), x.len() as i64) };
            out
        } else {
            ggml_quantize(t.id, &x, rows, n_per_row)
        };
        let mut ours = vec![0u8; expect.len()];
        quantize_row(t.ty, &x, &mut ours).unwrap();
        let bs = t.type_size;
        let bad: Vec<usize> = (0..expect.len() / bs)
            .filter(|&b| ours[b * bs..(b + 1) * bs] != expect[b * bs..(b + 1) * bs])
            .collect();
        for &b in bad.iter().take(2) {
            eprintln!(
                "{} block {b}:\n ours {:?}\n ggml {:?}",
                t.name,
                &ours[b * bs..(b + 1) * bs],
                &expect[b * bs..(b + 1) * bs]
            );
        }
        assert!(
            bad.is_empty(),
            "{}: {} of {} blocks differ, first {:?}",
            t.name,
            bad.len(),
            expect.len() / bs,
            &bad[..bad.len().min(8)]
        );
    }
}

/// Relative error ‖a−b‖/‖b‖.
fn rel_err(a: &[f32], b: &[f32]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
    let den: f64 = b.iter().map(|y| (*y as f64).powi(2)).sum();
    (num / den).sqrt()
}

#[test]
fn qmatmul_matches_ggml_mul_mat_and_out_prod() {
    let mut rng = Rng::new(13);
    let (t, n_in, n_out) = (19, 512, 96);
    for ty in [
        GgmlType::Q4_0,
        GgmlType::Q8_0,
        GgmlType::Q4_K,
        GgmlType::Q6_K,
        GgmlType::F16,
    ] {
        let wf: Vec<f32> = (0..n_in * n_out).map(|_| rng.normal()).collect();
        let mut data = vec![0u8; n_out * n_in / ty.block_size() * ty.type_size()];
        quantize_row(ty, &wf, &mut data).unwrap();
        let w = QWeight::new(ty, &data, n_in, n_out).unwrap();
        let x: Vec<f32> = (0..t * n_in).map(|_| rng.normal()).collect();
        let dy: Vec<f32> = (0..t * n_out).map(|_| rng.normal()).collect();

        let mut y = vec![0.0; t * n_out];
        qmatmul_forward(&x, w, &mut y, t, false);
        let expect = GgmlMatmul::new(Op::MulMat, ty.id(), &data, n_in, n_out, t).compute(&x, 2);
        // ggml rounds the activations to Q8_0/Q8_K (8-bit) before its
        // integer dot products: ~0.5% relative error on random data.
        let e = rel_err(&y, &expect);
        assert!(e < 1e-2, "{ty} forward vs ggml_mul_mat: relative error {e}");

        let mut dx = vec![0.0; t * n_in];
        qmatmul_backward_dx(&dy, w, &mut dx, t, false);
        let expect = GgmlMatmul::new(Op::OutProd, ty.id(), &data, n_in, n_out, t).compute(&dy, 2);
        // out_prod dequantizes W to f32 and accumulates in f32: only the
        // summation order differs.
        let e = rel_err(&dx, &expect);
        assert!(
            e < 1e-6,
            "{ty} backward vs ggml_out_prod: relative error {e}"
        );
    }
}
