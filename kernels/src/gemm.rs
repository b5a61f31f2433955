//! Dense GEMM in the three orientations training needs, and the panel
//! driver shared with the quantized matmuls (`qmatmul`). Row-major:
//! X is (T, in), W is (out, in) (ggml `ne = [in, out]`), Y is (T, out).
//!
//! - `matmul_xwt`: Y (+)= X · Wᵀ          forward
//! - `matmul_xw` : dX (+)= dY · W          backward to the input
//! - `matmul_dw` : dW (+)= dYᵀ · X         backward to the weight
//!
//! All three take the sizes as one [`Dims`] `{ t, n_in, n_out }`, so a
//! forward and its backwards name the same numbers the same way.
//!
//! The driver computes C[M,N] (+)= A[M,K] · B[K,N]: B is read in panels of
//! KC×NC (dequantized from its storage type when quantized) into a small
//! per-thread buffer packed in nr-wide strips, and the selected
//! [`simd`](crate::simd) micro-kernel runs mr×nr tiles over it. Threads
//! (rayon) own disjoint column tiles of C, and row chunks when there are
//! few column tiles. Extra memory: one KC×NC panel per thread.
//! `reference` keeps the plain loops everything is tested against.

use crate::int8::{pack_strip_coded, Int8Strip, QuantizedRows, RowCodes, GROUP};
use crate::quant;
use crate::simd::{self, Int8Isa, Int8Rows, Isa, MR_MAX, NR_MAX};
use gguf::GgmlType;
use rayon::prelude::*;
use std::cell::RefCell;

/// Elements of a row-major matrix: f32, or `ty` blocks along each row.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Elems<'a> {
    F32(&'a [f32]),
    Quant(GgmlType, &'a [u8]),
}

/// A row-major `rows × cols` matrix; quantized rows hold whole blocks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Matrix<'a> {
    pub elems: Elems<'a>,
    pub rows: usize,
    pub cols: usize,
}

impl Matrix<'_> {
    /// Column granularity at which rows can be decoded.
    fn align(&self) -> usize {
        match self.elems {
            Elems::F32(_) => 1,
            Elems::Quant(ty, _) => ty.block_size(),
        }
    }

    /// The stored bytes of row `r`, columns `c0..c0+n` (block aligned) of
    /// a quantized matrix.
    fn bytes(&self, r: usize, c0: usize, n: usize) -> &[u8] {
        match self.elems {
            Elems::F32(_) => unreachable!("bytes() is only used for quantized matrices"),
            Elems::Quant(ty, d) => {
                let (bs, ts) = (ty.block_size(), ty.type_size());
                let start = r * (self.cols / bs) * ts + c0 / bs * ts;
                &d[start..start + n / bs * ts]
            }
        }
    }

    /// Row `r`, columns `c0..c0+buf.len()` (block aligned): borrowed when
    /// stored as f32, else decoded into `buf`.
    #[inline]
    fn row<'s>(&'s self, isa: &Isa, r: usize, c0: usize, buf: &'s mut [f32]) -> &'s [f32] {
        match self.elems {
            Elems::F32(s) => &s[r * self.cols + c0..][..buf.len()],
            Elems::Quant(ty, _) => {
                (isa.dequant)(ty, self.bytes(r, c0, buf.len()), buf);
                buf
            }
        }
    }
}

/// B of C = A·B: the matrix itself (K = rows) or its transpose (K = cols).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BMatrix<'a> {
    pub m: Matrix<'a>,
    pub transposed: bool,
}

impl BMatrix<'_> {
    fn k(&self) -> usize {
        if self.transposed {
            self.m.cols
        } else {
            self.m.rows
        }
    }
    fn n(&self) -> usize {
        if self.transposed {
            self.m.rows
        } else {
            self.m.cols
        }
    }

    /// Packs B[k0..k0+kc, n0..n0+nc] into `panel` as ⌈nc/nr⌉ strips of
    /// kc×nr (zero padded, nr = the kernel's tile width), using `row` as a
    /// one-row decode buffer.
    #[allow(clippy::too_many_arguments)]
    fn pack(
        &self,
        isa: &Isa,
        nr: usize,
        k0: usize,
        kc: usize,
        n0: usize,
        nc: usize,
        panel: &mut [f32],
        row: &mut Vec<f32>,
    ) {
        let strips = nc.div_ceil(nr);
        if !nc.is_multiple_of(nr) {
            let last = &mut panel[(strips - 1) * kc * nr..strips * kc * nr];
            last.fill(0.0);
        }
        if self.transposed {
            row.resize(kc, 0.0);
            for j in 0..nc {
                let src = self.m.row(isa, n0 + j, k0, row);
                let strip = &mut panel[(j / nr) * kc * nr..];
                for (kk, &v) in src.iter().enumerate() {
                    strip[kk * nr + j % nr] = v;
                }
            }
        } else {
            row.resize(nc, 0.0);
            for kk in 0..kc {
                let src = self.m.row(isa, k0 + kk, n0, row);
                for (s, chunk) in src.chunks(nr).enumerate() {
                    panel[s * kc * nr + kk * nr..][..chunk.len()].copy_from_slice(chunk);
                }
            }
        }
    }
}

/// A[M,K] with element (i, k) at `a[i·rs + k·cs]`.
#[derive(Clone, Copy)]
pub(crate) struct AMatrix<'a> {
    pub a: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

impl<'a> AMatrix<'a> {
    /// A row-major matrix with `k` columns.
    pub fn rows(a: &'a [f32], k: usize) -> AMatrix<'a> {
        AMatrix { a, rs: k, cs: 1 }
    }
}

/// Panel sizes: KC (depth) and NC (columns per task).
const KC: usize = 256;
const NC: usize = 64;
/// Below this many multiply-adds the work stays on the calling thread.
const PARALLEL_MIN_MACS: usize = 1 << 18;

struct CPtr(*mut f32);
// SAFETY: tasks write disjoint tiles of C (distinct column tiles or row
// chunks), so sharing the base pointer across threads is sound.
unsafe impl Sync for CPtr {}
unsafe impl Send for CPtr {}

impl CPtr {
    // A method, so closures capture the Sync wrapper, not the raw field.
    fn get(&self) -> *mut f32 {
        self.0
    }
}

thread_local! {
    static BUFFERS: RefCell<(Vec<f32>, Vec<f32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    static INT8_BUFFERS: RefCell<Int8Buffers> = RefCell::new(Int8Buffers::default());
}

/// Per-thread scratch of the int8 driver: the f32 panel and its decode
/// row, the coded strip, and one weight row's codes.
#[derive(Default)]
struct Int8Buffers {
    panel: Vec<f32>,
    row: Vec<f32>,
    strip: Int8Strip,
    codes: RowCodes,
}

/// How a matmul through a weight computes its products.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compute {
    /// Decode to f32 and use the f32 micro-kernel (exact up to rounding).
    #[default]
    F32,
    /// Quantize activations and weights to 8/7-bit codes per group and
    /// use integer dot products (see [`crate::int8`]).
    Int8,
}

impl Compute {
    pub fn name(self) -> &'static str {
        match self {
            Compute::F32 => "f32",
            Compute::Int8 => "int8",
        }
    }
}

impl std::str::FromStr for Compute {
    type Err = String;
    fn from_str(s: &str) -> Result<Compute, String> {
        match s {
            "f32" => Ok(Compute::F32),
            "int8" => Ok(Compute::Int8),
            other => Err(format!(
                "unknown compute path {other:?}: choose f32 or int8"
            )),
        }
    }
}

/// How C is cut into tasks: NC-wide column tiles, and row chunks (a
/// multiple of `mr` rows) when there are too few column tiles to keep the
/// threads busy.
struct Plan {
    n_tiles: usize,
    m_per: usize,
    tasks: usize,
    kc_max: usize,
    nc_max: usize,
}

impl Plan {
    /// (KC, NC) for B. Transposed: K runs along quantized rows, so KC must
    /// be block aligned (256 is a multiple of every block size). Direct: NC
    /// must be.
    fn blocks(b: &BMatrix<'_>) -> (usize, usize) {
        if b.transposed {
            (KC, NC)
        } else {
            (KC / 2, NC.max(b.m.align()))
        }
    }

    fn new(m: usize, n: usize, b: &BMatrix<'_>, mr: usize) -> Plan {
        let (kc_max, nc_max) = Plan::blocks(b);
        let n_tiles = n.div_ceil(nc_max);
        let threads = rayon::current_num_threads();
        let m_chunks = if n_tiles >= 2 * threads {
            1
        } else {
            (2 * threads)
                .div_ceil(n_tiles)
                .min(m.div_ceil(4 * mr))
                .max(1)
        };
        let m_per = m.div_ceil(m_chunks).div_ceil(mr) * mr;
        let tasks = n_tiles * m.div_ceil(m_per);
        Plan {
            n_tiles,
            m_per,
            tasks,
            kc_max,
            nc_max,
        }
    }

    fn tile(&self, task: usize, m: usize, n: usize) -> Tile {
        let (nt, mc) = (task % self.n_tiles, task / self.n_tiles);
        let (n0, m0) = (nt * self.nc_max, mc * self.m_per);
        Tile {
            m0,
            m1: (m0 + self.m_per).min(m),
            n0,
            n1: (n0 + self.nc_max).min(n),
            ldc: n,
        }
    }

    /// Runs every tile, on the rayon pool when there is enough work.
    fn run(&self, m: usize, n: usize, macs: usize, work: impl Fn(Tile) + Sync) {
        let run = |task: usize| work(self.tile(task, m, n));
        if self.tasks == 1 || macs < PARALLEL_MIN_MACS {
            (0..self.tasks).for_each(run);
        } else {
            (0..self.tasks).into_par_iter().for_each(run);
        }
    }
}

/// Checks the shapes shared by both drivers; `false` when C is empty.
fn prepare(m: usize, b: &BMatrix<'_>, c: &mut [f32], accumulate: bool) -> bool {
    let (k, n) = (b.k(), b.n());
    assert_eq!(c.len(), m * n, "C is (M, N)");
    assert_eq!(
        b.m.cols % b.m.align(),
        0,
        "quantized rows hold whole blocks"
    );
    if !accumulate {
        c.fill(0.0);
    }
    m != 0 && n != 0 && k != 0
}

/// C[M, N] (+)= A[M, K] · B[K, N], with `isa`'s kernels on the current
/// rayon pool. Panics when the shapes do not fit (callers check them).
pub(crate) fn gemm(
    isa: &Isa,
    a: AMatrix<'_>,
    m: usize,
    b: BMatrix<'_>,
    c: &mut [f32],
    accumulate: bool,
) {
    if !prepare(m, &b, c, accumulate) {
        return;
    }
    let (k, n) = (b.k(), b.n());
    let isa = match isa.narrow {
        Some(narrow) if n <= narrow.nr => narrow,
        _ => isa,
    };
    assert!((m - 1) * a.rs + (k - 1) * a.cs < a.a.len(), "A is (M, K)");
    let plan = Plan::new(m, n, &b, isa.mr);
    let cp = CPtr(c.as_mut_ptr());
    plan.run(m, n, m * n * k, |tile| {
        BUFFERS.with(|bufs| {
            let (panel, row) = &mut *bufs.borrow_mut();
            panel.resize(plan.kc_max * plan.nc_max.div_ceil(isa.nr) * isa.nr, 0.0);
            // SAFETY: `tile` lies inside C (M×N) and no other task writes it.
            unsafe { run_tile(isa, a, b, k, plan.kc_max, tile, cp.get(), panel, row) };
        });
    });
}

/// C[M, N] (+)= A[M, K] · B[K, N] on the int8 path: A already quantized,
/// B read from `coded` when given (it must be B coded by [`code_int8`] for
/// `isa8`), else re-coded strip by strip (decoded with `isa`'s dequantizer).
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_int8(
    isa: &Isa,
    isa8: &Int8Isa,
    a: &QuantizedRows,
    m: usize,
    b: BMatrix<'_>,
    coded: Option<&CodedB>,
    c: &mut [f32],
    accumulate: bool,
) {
    if !prepare(m, &b, c, accumulate) {
        return;
    }
    let (k, n) = (b.k(), b.n());
    assert_eq!(a.k_pad, k.div_ceil(GROUP) * GROUP, "A is (M, K)");
    assert_eq!(a.q.len(), m * a.k_pad, "A is (M, K)");
    if let Some(p) = coded {
        assert!(
            (p.k, p.n, p.transposed, p.nr) == (k, n, b.transposed, isa8.nr),
            "coded B is this B, for this instruction set"
        );
    }
    let plan = Plan::new(m, n, &b, isa8.mr);
    let cp = CPtr(c.as_mut_ptr());
    plan.run(m, n, m * n * k, |tile| {
        INT8_BUFFERS.with(|bufs| {
            let bufs = &mut *bufs.borrow_mut();
            // SAFETY: `tile` lies inside C (M×N) and no other task writes it.
            unsafe { run_tile_int8(isa, isa8, a, b, coded, k, plan.kc_max, tile, cp.get(), bufs) };
        });
    });
}

/// B coded once for the int8 path, for a matrix used many times (a frozen
/// weight during training): each nr-wide strip's codes, scales and offsets
/// over all of K, in the micro-kernel's layout, so a product reads them
/// instead of decoding and coding B again. The same bytes the on-the-fly
/// path codes. Size: K·N bytes of codes plus 8 bytes per [`GROUP`] K
/// values per column (≈ 1.25 bytes per value).
#[derive(Default)]
pub struct CodedB {
    k: usize,
    n: usize,
    transposed: bool,
    nr: usize,
    /// ⌈K / GROUP⌉: strip `s` starts at group `s·groups`.
    groups: usize,
    codes: Vec<u8>,
    scale: Vec<f32>,
    offset: Vec<f32>,
}

impl CodedB {
    /// Heap bytes held.
    pub fn bytes(&self) -> usize {
        self.codes.len() + 4 * (self.scale.len() + self.offset.len())
    }

    /// [`CodedB::bytes`] of a K×N matrix for strips `nr` wide.
    pub fn bytes_for(k: usize, n: usize, nr: usize) -> usize {
        let cols = n.div_ceil(nr) * nr;
        let groups = k.div_ceil(GROUP);
        cols * groups * (GROUP + 8)
    }

    /// (codes, scales, offsets) of strip `s` from group `g0`.
    fn strip(&self, s: usize, g0: usize) -> (*const u8, *const f32, *const f32) {
        let g = s * self.groups + g0;
        (
            self.codes[g * GROUP * self.nr..].as_ptr(),
            self.scale[g * self.nr..].as_ptr(),
            self.offset[g * self.nr..].as_ptr(),
        )
    }
}

/// Codes all of B for the int8 path (see [`CodedB`]), column tiles in
/// parallel on the current rayon pool.
pub(crate) fn code_int8(isa: &Isa, isa8: &Int8Isa, b: BMatrix<'_>) -> CodedB {
    let (k, n, nr) = (b.k(), b.n(), isa8.nr);
    let groups = k.div_ceil(GROUP);
    let strips = n.div_ceil(nr);
    let (kc_max, nc_max) = Plan::blocks(&b);
    assert!(nc_max.is_multiple_of(nr), "tiles hold whole strips");
    let mut p = CodedB {
        k,
        n,
        transposed: b.transposed,
        nr,
        groups,
        codes: vec![0; strips * groups * GROUP * nr],
        scale: vec![0.0; strips * groups * nr],
        offset: vec![0.0; strips * groups * nr],
    };
    if k == 0 || n == 0 {
        return p;
    }
    let per_tile = nc_max / nr * groups;
    p.codes
        .par_chunks_mut(per_tile * GROUP * nr)
        .zip(p.scale.par_chunks_mut(per_tile * nr))
        .zip(p.offset.par_chunks_mut(per_tile * nr))
        .enumerate()
        .for_each(|(tile, ((codes, scale), offset))| {
            INT8_BUFFERS.with(|bufs| {
                let bufs = &mut *bufs.borrow_mut();
                let n0 = tile * nc_max;
                let nc = nc_max.min(n - n0);
                for k0 in (0..k).step_by(kc_max) {
                    let kc = kc_max.min(k - k0);
                    let (g0, gs) = (k0 / GROUP, kc.div_ceil(GROUP));
                    code_strips(isa, isa8, b, k0, kc, n0, nc, bufs, |s, _, strip| {
                        let g = s * groups + g0;
                        codes[g * GROUP * nr..][..gs * GROUP * nr]
                            .copy_from_slice(&strip.codes[..gs * GROUP * nr]);
                        scale[g * nr..][..gs * nr].copy_from_slice(&strip.scale[..gs * nr]);
                        offset[g * nr..][..gs * nr].copy_from_slice(&strip.offset[..gs * nr]);
                    });
                }
            });
        });
    p
}

/// Codes the strips of B[k0..k0+kc, n0..n0+nc] one at a time and hands
/// each to `each(strip index within the tile, valid columns, strip)`.
#[allow(clippy::too_many_arguments)]
fn code_strips(
    isa: &Isa,
    isa8: &Int8Isa,
    b: BMatrix<'_>,
    k0: usize,
    kc: usize,
    n0: usize,
    nc: usize,
    bufs: &mut Int8Buffers,
    mut each: impl FnMut(usize, usize, &Int8Strip),
) {
    let Int8Buffers {
        panel,
        row,
        strip,
        codes,
    } = bufs;
    // The forward through a 4-bit weight codes its blocks directly.
    let coder = match (b.transposed, b.m.elems) {
        (true, Elems::Quant(ty, _)) => quant::affine_coder(ty),
        _ => None,
    };
    let nr = isa8.nr;
    if coder.is_none() {
        panel.resize(kc * nc.div_ceil(nr) * nr, 0.0);
        b.pack(isa, nr, k0, kc, n0, nc, panel, row);
    }
    for s in 0..nc.div_ceil(nr) {
        let cols = nr.min(nc - s * nr);
        let col0 = n0 + s * nr;
        match coder {
            Some(coder) => {
                let bytes = |j: usize| b.m.bytes(col0 + j, k0, kc);
                pack_strip_coded(coder, cols, bytes, kc, nr, strip, codes)
            }
            None => (isa8.pack)(&panel[s * kc * nr..(s + 1) * kc * nr], kc, nr, strip),
        }
        each(s, cols, strip);
    }
}

#[derive(Clone, Copy)]
struct Tile {
    m0: usize,
    m1: usize,
    n0: usize,
    n1: usize,
    ldc: usize,
}

/// # Safety
/// `c` points at an M×N (stride `tile.ldc`) matrix containing `tile`,
/// which no other thread touches meanwhile.
#[allow(clippy::too_many_arguments)]
unsafe fn run_tile(
    isa: &Isa,
    a: AMatrix<'_>,
    b: BMatrix<'_>,
    k: usize,
    kc_max: usize,
    tile: Tile,
    c: *mut f32,
    panel: &mut [f32],
    row: &mut Vec<f32>,
) {
    let (mr, nr) = (isa.mr, isa.nr);
    let nc = tile.n1 - tile.n0;
    for k0 in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - k0);
        b.pack(isa, nr, k0, kc, tile.n0, nc, panel, row);
        for s in 0..nc.div_ceil(nr) {
            let bp = panel[s * kc * nr..].as_ptr();
            let cols = nr.min(nc - s * nr);
            let col0 = tile.n0 + s * nr;
            for i0 in (tile.m0..tile.m1).step_by(mr) {
                let rows = mr.min(tile.m1 - i0);
                // Rows past the edge repeat the last valid row; their
                // results go to the scratch tile and are dropped.
                let a_rows: [*const f32; MR_MAX] = std::array::from_fn(|i| {
                    a.a[(i0 + i.min(rows - 1)) * a.rs + k0 * a.cs..].as_ptr()
                });
                // SAFETY: a_rows + kk·cs stays inside A for kk < kc (checked
                // in `gemm`); bp holds kc×nr floats.
                unsafe {
                    if rows == mr && cols == nr {
                        (isa.micro)(kc, &a_rows, a.cs, bp, c.add(i0 * tile.ldc + col0), tile.ldc);
                    } else {
                        let mut tmp = [0.0f32; MR_MAX * NR_MAX];
                        (isa.micro)(kc, &a_rows, a.cs, bp, tmp.as_mut_ptr(), nr);
                        for i in 0..rows {
                            for j in 0..cols {
                                *c.add((i0 + i) * tile.ldc + col0 + j) += tmp[i * nr + j];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The int8 counterpart of [`run_tile`]: per KC chunk, take each nr-wide
/// strip of B from `coded` or code it now ([`code_strips`]), then run the
/// int8 micro-kernel down the rows.
///
/// # Safety
/// As for [`run_tile`].
#[allow(clippy::too_many_arguments)]
unsafe fn run_tile_int8(
    isa: &Isa,
    isa8: &Int8Isa,
    a: &QuantizedRows,
    b: BMatrix<'_>,
    coded: Option<&CodedB>,
    k: usize,
    kc_max: usize,
    tile: Tile,
    c: *mut f32,
    bufs: &mut Int8Buffers,
) {
    let (mr, nr) = (isa8.mr, isa8.nr);
    let nc = tile.n1 - tile.n0;
    let groups_total = a.groups();
    for k0 in (0..k).step_by(kc_max) {
        let kc = kc_max.min(k - k0);
        let (g0, groups) = (k0 / GROUP, kc.div_ceil(GROUP));
        // One strip (cols valid columns from col0) down the tile's rows.
        let strip_rows =
            |cols: usize, col0: usize, (bp, sb, ob): (*const u8, *const f32, *const f32)| {
                for i0 in (tile.m0..tile.m1).step_by(mr) {
                    let rows = mr.min(tile.m1 - i0);
                    // Rows past the edge repeat the last valid row (see run_tile).
                    let r = |i: usize| i0 + i.min(rows - 1);
                    let arows = Int8Rows {
                        q: std::array::from_fn(|i| a.q[r(i) * a.k_pad + k0..].as_ptr()),
                        scale: std::array::from_fn(|i| {
                            a.scale[r(i) * groups_total + g0..].as_ptr()
                        }),
                        scaled_sum: std::array::from_fn(|i| {
                            a.scaled_sum[r(i) * groups_total + g0..].as_ptr()
                        }),
                    };
                    // SAFETY: the rows hold `groups` groups from k0 (A is padded
                    // to whole groups); the strip holds `groups` groups × nr.
                    unsafe {
                        if rows == mr && cols == nr {
                            (isa8.micro)(
                                groups,
                                &arows,
                                bp,
                                sb,
                                ob,
                                c.add(i0 * tile.ldc + col0),
                                tile.ldc,
                            );
                        } else {
                            let mut tmp = [0.0f32; MR_MAX * NR_MAX];
                            (isa8.micro)(groups, &arows, bp, sb, ob, tmp.as_mut_ptr(), nr);
                            for i in 0..rows {
                                for j in 0..cols {
                                    *c.add((i0 + i) * tile.ldc + col0 + j) += tmp[i * nr + j];
                                }
                            }
                        }
                    }
                }
            };
        match coded {
            Some(p) => {
                for s in 0..nc.div_ceil(nr) {
                    let col0 = tile.n0 + s * nr;
                    strip_rows(nr.min(nc - s * nr), col0, p.strip(col0 / nr, g0));
                }
            }
            None => code_strips(isa, isa8, b, k0, kc, tile.n0, nc, bufs, |s, cols, strip| {
                let ptrs = (
                    strip.codes.as_ptr(),
                    strip.scale.as_ptr(),
                    strip.offset.as_ptr(),
                );
                strip_rows(cols, tile.n0 + s * nr, ptrs)
            }),
        }
    }
}

/// The sizes of one product through a weight W (out, in): T rows of
/// activations X (T, in) or of output gradients dY (T, out). All three
/// products (and their references) take the same `Dims`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dims {
    pub t: usize,
    pub n_in: usize,
    pub n_out: usize,
}

/// Y[T,out] (+)= X[T,in] · W[out,in]ᵀ. With `accumulate` false Y is overwritten.
pub fn matmul_xwt(x: &[f32], w: &[f32], y: &mut [f32], dims: Dims, accumulate: bool) {
    with_isa::matmul_xwt(simd::best(), x, w, y, dims, accumulate)
}

/// dX[T,in] (+)= dY[T,out] · W[out,in].
pub fn matmul_xw(dy: &[f32], w: &[f32], dx: &mut [f32], dims: Dims, accumulate: bool) {
    with_isa::matmul_xw(simd::best(), dy, w, dx, dims, accumulate)
}

/// dW[out,in] (+)= dY[T,out]ᵀ · X[T,in].
pub fn matmul_dw(dy: &[f32], x: &[f32], dw: &mut [f32], dims: Dims, accumulate: bool) {
    with_isa::matmul_dw(simd::best(), dy, x, dw, dims, accumulate)
}

/// The same three products on an explicit instruction set (tests compare
/// `simd::scalar()` with `simd::best()`).
pub mod with_isa {
    use super::*;

    /// W (out, in) as the B of the driver, read along its rows
    /// (`transposed`, K = in) or down its columns (K = out).
    fn weight<'a>(w: &'a [f32], dims: Dims, transposed: bool) -> BMatrix<'a> {
        assert_eq!(w.len(), dims.n_out * dims.n_in, "w is (out, in)");
        let m = Matrix {
            elems: Elems::F32(w),
            rows: dims.n_out,
            cols: dims.n_in,
        };
        BMatrix { m, transposed }
    }

    pub fn matmul_xwt(
        isa: &Isa,
        x: &[f32],
        w: &[f32],
        y: &mut [f32],
        dims: Dims,
        accumulate: bool,
    ) {
        assert_eq!(x.len(), dims.t * dims.n_in, "x is (T, in)");
        let a = AMatrix::rows(x, dims.n_in);
        gemm(isa, a, dims.t, weight(w, dims, true), y, accumulate);
    }

    pub fn matmul_xw(
        isa: &Isa,
        dy: &[f32],
        w: &[f32],
        dx: &mut [f32],
        dims: Dims,
        accumulate: bool,
    ) {
        assert_eq!(dy.len(), dims.t * dims.n_out, "dy is (T, out)");
        let a = AMatrix::rows(dy, dims.n_out);
        gemm(isa, a, dims.t, weight(w, dims, false), dx, accumulate);
    }

    pub fn matmul_dw(
        isa: &Isa,
        dy: &[f32],
        x: &[f32],
        dw: &mut [f32],
        dims: Dims,
        accumulate: bool,
    ) {
        assert_eq!(dy.len(), dims.t * dims.n_out, "dy is (T, out)");
        assert_eq!(x.len(), dims.t * dims.n_in, "x is (T, in)");
        // A = dYᵀ: element (o, i) of A is dy[i·out + o].
        let a = AMatrix {
            a: dy,
            rs: 1,
            cs: dims.n_out,
        };
        let xm = Matrix {
            elems: Elems::F32(x),
            rows: dims.t,
            cols: dims.n_in,
        };
        let b = BMatrix {
            m: xm,
            transposed: false,
        };
        gemm(isa, a, dims.n_out, b, dw, accumulate);
    }
}

/// Plain triple loops: the reference for the tuned versions above.
pub mod reference {
    use super::Dims;

    /// Y[T,out] (+)= X[T,in] · W[out,in]ᵀ.
    pub fn matmul_xwt(x: &[f32], w: &[f32], y: &mut [f32], dims: Dims, accumulate: bool) {
        let Dims { t, n_in, n_out } = dims;
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
    pub fn matmul_xw(dy: &[f32], w: &[f32], dx: &mut [f32], dims: Dims, accumulate: bool) {
        let Dims { t, n_in, n_out } = dims;
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
    pub fn matmul_dw(dy: &[f32], x: &[f32], dw: &mut [f32], dims: Dims, accumulate: bool) {
        let Dims { t, n_in, n_out } = dims;
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
}
