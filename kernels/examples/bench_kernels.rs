//! Kernel benchmark: GFLOP/s of our fused dequant-GEMM forward and
//! quantized backward dX, on the f32 and the int8 compute paths, next to
//! ggml's `ggml_mul_mat` / `ggml_out_prod` on the same weights, and a 1024³
//! f32 GEMM from `matrixmultiply` as the machine's roofline. Writes JSON.
//!
//! cargo run --release -p kernels --example bench_kernels -- --out bench/results/kernels-DATE.json [--quick] [--threads N]

#[path = "../tests/support/ggml_graph.rs"]
mod ggml_graph;

use ggml_graph::{GgmlMatmul, Op};
use gguf::GgmlType;
use kernels::qmatmul::{qmatmul_backward_dx_in, qmatmul_forward_in, Int8Weight, Path, QWeight};
use kernels::quant::quantize_row;
use kernels::rng::Rng;
use serde_json::{json, Value};
use std::time::Instant;

const SHAPES: &[(&str, usize, usize)] = &[
    ("smollm2-135m attn_q/o", 576, 576),
    ("smollm2-135m attn_k/v", 576, 192),
    ("smollm2-135m ffn_gate/up", 576, 1536),
    ("smollm2-135m ffn_down", 1536, 576),
    ("smollm2-135m output", 576, 49152),
    ("qwen2.5-3b attn_q/o", 2048, 2048),
    ("qwen2.5-3b attn_k/v", 2048, 256),
    ("qwen2.5-3b ffn_gate/up", 2048, 11008),
    ("qwen2.5-3b ffn_down", 11008, 2048),
];
const TYPES: &[GgmlType] = &[
    GgmlType::Q4_0,
    GgmlType::Q4_1,
    GgmlType::Q4_1,
    GgmlType::Q8_0,
    GgmlType::Q4_K,
    GgmlType::Q6_K,
];
const TOKENS: &[usize] = &[1, 64, 256, 512];

struct Args {
    out: Option<String>,
    quick: bool,
    threads: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        out: None,
        quick: false,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => args.out = Some(it.next().ok_or("--out needs a path")?),
            "--quick" => args.quick = true,
            "--threads" => {
                args.threads = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--threads needs a number")?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Seconds per call: repeats until `budget` seconds or `max_reps` calls.
fn time_it(budget: f64, max_reps: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    f();
    let first = start.elapsed().as_secs_f64();
    if first > budget {
        return first;
    }
    let reps = ((budget / first.max(1e-9)) as usize).clamp(1, max_reps);
    let start = Instant::now();
    for _ in 0..reps {
        f();
    }
    start.elapsed().as_secs_f64() / reps as f64
}

/// A weight of `n_out` rows: 64 quantized random rows, repeated (content
/// does not change speed; quantizing 28M values per shape would).
fn weight(ty: GgmlType, n_in: usize, n_out: usize, rng: &mut Rng) -> Vec<u8> {
    let base_rows = 64.min(n_out);
    let src: Vec<f32> = (0..base_rows * n_in).map(|_| rng.normal()).collect();
    let row_bytes = n_in / ty.block_size() * ty.type_size();
    let mut base = vec![0u8; base_rows * row_bytes];
    quantize_row(ty, &src, &mut base).expect("bench types are quantizable");
    base.iter()
        .cycle()
        .take(n_out * row_bytes)
        .copied()
        .collect()
}

fn gflops(t: usize, n_in: usize, n_out: usize, secs: f64) -> f64 {
    2.0 * (t * n_in * n_out) as f64 / secs / 1e9
}

fn roofline(threads: usize) -> (f64, f64) {
    let n = 1024;
    let mut rng = Rng::new(5);
    let a: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
    let b: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
    let mut c = vec![0.0f32; n * n];
    std::env::set_var("MATMUL_NUM_THREADS", threads.to_string());
    let mm = time_it(1.0, 20, || {
        // SAFETY: a, b, c are n×n row-major with the strides given.
        unsafe {
            matrixmultiply::sgemm(
                n,
                n,
                n,
                1.0,
                a.as_ptr(),
                n as isize,
                1,
                b.as_ptr(),
                n as isize,
                1,
                0.0,
                c.as_mut_ptr(),
                n as isize,
                1,
            )
        }
    });
    let dims = kernels::gemm::Dims {
        t: n,
        n_in: n,
        n_out: n,
    };
    let ours = time_it(1.0, 20, || {
        kernels::gemm::matmul_xwt(&a, &b, &mut c, dims, false)
    });
    (gflops(n, n, n, mm), gflops(n, n, n, ours))
}

/// /proc/loadavg's 1-minute figure: other processes competing for the cores.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// UTC date-time from the system clock (days-to-civil, Howard Hinnant).
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_kernels: {e}");
            std::process::exit(2);
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .expect("rayon pool");
    let (types, shapes, tokens): (Vec<GgmlType>, Vec<_>, Vec<usize>) = if args.quick {
        (
            vec![GgmlType::Q4_1, GgmlType::Q4_K, GgmlType::Q8_0],
            vec![SHAPES[2], SHAPES[4], SHAPES[5], SHAPES[7]],
            vec![1, 256],
        )
    } else {
        (TYPES.to_vec(), SHAPES.to_vec(), TOKENS.to_vec())
    };
    let load_before = load_average();
    let budget = if args.quick { 0.15 } else { 0.25 };
    let (roof, ours_f32) = pool.install(|| roofline(args.threads));
    eprintln!("roofline: matrixmultiply sgemm 1024³ {roof:.1} GFLOP/s, ours {ours_f32:.1} GFLOP/s ({} threads, {})", args.threads, kernels::simd::best().name);
    let mut rows = Vec::new();
    let mut rng = Rng::new(9);
    eprintln!(
        "int8 path: {} ({} threads)",
        kernels::simd::best_int8().name,
        args.threads
    );
    eprintln!(
        "{:<6} {:<26} {:>5} {:>5} {:>5} | {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8}",
        "type",
        "shape",
        "in",
        "out",
        "T",
        "fwd",
        "bwd",
        "fwd_i8",
        "bwd_i8",
        "fwd_i8c",
        "bwd_i8c",
        "ggml_mm",
        "ggml_op"
    );
    for &ty in &types {
        for &(name, n_in, n_out) in &shapes {
            if n_in % ty.block_size() != 0 {
                continue; // e.g. Q4_K on 576 columns: not a valid tensor
            }
            let data = weight(ty, n_in, n_out, &mut rng);
            let w = QWeight::new(ty, &data, n_in, n_out).expect("bench weight is valid");
            // The weight coded once for the int8 path, as training does.
            let coded = pool.install(|| Int8Weight::new(w));
            for &t in &tokens {
                let x: Vec<f32> = (0..t * n_in).map(|_| rng.normal()).collect();
                let dy: Vec<f32> = (0..t * n_out).map(|_| rng.normal()).collect();
                let (mut y, mut dx) = (vec![0.0; t * n_out], vec![0.0; t * n_in]);
                let mut timed = |path: Path<'_>| {
                    let fwd = pool.install(|| {
                        time_it(budget, 50, || {
                            qmatmul_forward_in(path, &x, w, &mut y, t, false)
                        })
                    });
                    let bwd = pool.install(|| {
                        time_it(budget, 50, || {
                            qmatmul_backward_dx_in(path, &dy, w, &mut dx, t, false)
                        })
                    });
                    (fwd, bwd)
                };
                let (fwd, bwd) = timed(Path::F32);
                let (fwd8, bwd8) = timed(Path::Int8);
                let (fwd8c, bwd8c) = timed(Path::Int8Coded(&coded));
                let mut mm = GgmlMatmul::new(Op::MulMat, ty.id(), &data, n_in, n_out, t);
                mm.set_input(&x);
                let g_mm = time_it(budget, 50, || mm.run(args.threads));
                drop(mm);
                let mut op = GgmlMatmul::new(Op::OutProd, ty.id(), &data, n_in, n_out, t);
                op.set_input(&dy);
                let g_op = time_it(budget, 50, || op.run(args.threads));
                drop(op);
                let g = |s| gflops(t, n_in, n_out, s);
                eprintln!(
                    "{:<6} {:<26} {:>5} {:>5} {:>5} | {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>8.1} | {:>8.1} {:>8.1}",
                    ty.name(),
                    name,
                    n_in,
                    n_out,
                    t,
                    g(fwd),
                    g(bwd),
                    g(fwd8),
                    g(bwd8),
                    g(fwd8c),
                    g(bwd8c),
                    g(g_mm),
                    g(g_op)
                );
                rows.push(json!({
                    "type": ty.name(), "shape": name, "n_in": n_in, "n_out": n_out, "t": t,
                    "forward_gflops": g(fwd), "backward_dx_gflops": g(bwd),
                    "int8_forward_gflops": g(fwd8), "int8_backward_dx_gflops": g(bwd8),
                    "int8_forward_s": fwd8, "int8_backward_dx_s": bwd8,
                    "int8_coded_forward_gflops": g(fwd8c), "int8_coded_backward_dx_gflops": g(bwd8c),
                    "ggml_mul_mat_gflops": g(g_mm), "ggml_out_prod_gflops": g(g_op),
                    "forward_s": fwd, "backward_dx_s": bwd, "ggml_mul_mat_s": g_mm, "ggml_out_prod_s": g_op,
                }));
            }
        }
    }
    // Measured again at the end: a drift between the two says the machine
    // was not quiet.
    let (roof_end, ours_f32_end) = pool.install(|| roofline(args.threads));
    eprintln!(
        "roofline at end: matrixmultiply {roof_end:.1} GFLOP/s, ours f32 {ours_f32_end:.1} GFLOP/s"
    );
    let report: Value = json!({
        "date": utc_now(),
        "cpu": cpu_model(),
        "threads": args.threads,
        "load_average_1m": { "before": load_before, "after": load_average() },
        "isa": kernels::simd::best().name,
        "int8_isa": kernels::simd::best_int8().name,
        "quick": args.quick,
        // Start and end are kept apart: taking the better of the two would
        // compare each kernel with a roofline from another moment of a
        // shared machine. Ratios belong to one measurement, and the f32
        // and int8 columns of a row are measured back to back.
        "roofline": { "what": "matrixmultiply::sgemm 1024x1024x1024 f32", "start_gflops": roof, "end_gflops": roof_end },
        "ours_f32_gemm_1024_gflops": { "start": ours_f32, "end": ours_f32_end },
        "panel_bytes_per_thread": 256 * 64 * 4,
        "note": "GFLOP/s = 2*T*in*out/time. int8_*: activations quantized per 32 values to i8, weights coded to 7 bits per 32 (kernels::int8). ggml_mul_mat quantizes activations to the weight's vec_dot type; ggml_out_prod(W, dY^T) is ggml's backward through a quantized weight.",
        "results": rows,
    });
    let text = serde_json::to_string_pretty(&report).expect("JSON of plain values");
    match &args.out {
        Some(path) => {
            if let Some(dir) = std::path::Path::new(path).parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("bench_kernels: cannot write {path}: {e}");
                std::process::exit(1);
            }
            eprintln!("wrote {path}");
        }
        None => println!("{text}"),
    }
}
