//! Time spent per kind of kernel during training steps, for
//! `agentcoder bench train`. Off by default; when off, [`timed`] costs one
//! relaxed atomic load.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// Kernel families reported by the step-time breakdown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    QMatmulForward,
    QMatmulBackward,
    Lora,
    Attention,
    /// Loss: the vocabulary projection (forward and dX) and softmax.
    Loss,
    /// RMSNorm, RoPE, SwiGLU, residual adds, embedding.
    Elementwise,
}

impl Op {
    pub const ALL: [Op; 6] = [
        Op::QMatmulForward,
        Op::QMatmulBackward,
        Op::Lora,
        Op::Attention,
        Op::Loss,
        Op::Elementwise,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Op::QMatmulForward => "qmatmul_forward",
            Op::QMatmulBackward => "qmatmul_backward_dx",
            Op::Lora => "lora",
            Op::Attention => "attention",
            Op::Loss => "loss",
            Op::Elementwise => "elementwise",
        }
    }
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static NANOS: [AtomicU64; 6] = [const { AtomicU64::new(0) }; 6];

/// Turns the accounting on (and clears it) or off.
pub fn enable(on: bool) {
    for n in &NANOS {
        n.store(0, Ordering::Relaxed);
    }
    ENABLED.store(on, Ordering::Relaxed);
}

/// Runs `f`, adding its wall time to `op` when accounting is on.
pub fn timed<R>(op: Op, f: impl FnOnce() -> R) -> R {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let t = Instant::now();
    let r = f();
    let i = Op::ALL
        .iter()
        .position(|&o| o == op)
        .expect("op is listed in ALL");
    NANOS[i].fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    r
}

/// Seconds per op since [`enable`].
pub fn snapshot() -> Vec<(&'static str, f64)> {
    Op::ALL
        .iter()
        .zip(&NANOS)
        .map(|(op, n)| (op.name(), n.load(Ordering::Relaxed) as f64 / 1e9))
        .collect()
}
