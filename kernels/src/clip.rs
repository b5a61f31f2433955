//! Global-norm gradient clipping over several gradient buffers
//! (PyTorch `torch.nn.utils.clip_grad_norm_` with the 2-norm).
//!
//! `norm = sqrt(Σ_buffers Σ g²)` (accumulated in f64); when
//! `norm > max_norm` every buffer is scaled by `max_norm / (norm + 1e-6)`.

fn norm_of<'a>(buffers: impl Iterator<Item = &'a [f32]>) -> f64 {
    buffers
        .flat_map(|g| g.iter())
        .map(|&x| x as f64 * x as f64)
        .sum::<f64>()
        .sqrt()
}

/// The 2-norm of all gradients together.
pub fn grad_norm(grads: &[&[f32]]) -> f64 {
    norm_of(grads.iter().copied())
}

/// Scales all gradients so their global 2-norm is at most `max_norm`;
/// returns the norm before clipping. A non-finite norm (NaN/inf gradients)
/// is returned as is and nothing is scaled, so the caller can skip the step.
pub fn clip_grad_norm(grads: &mut [&mut [f32]], max_norm: f64) -> f64 {
    let norm = norm_of(grads.iter().map(|g| &**g));
    if norm.is_finite() {
        let coef = max_norm / (norm + 1e-6);
        if coef < 1.0 {
            let coef = coef as f32;
            grads
                .iter_mut()
                .for_each(|g| g.iter_mut().for_each(|x| *x *= coef));
        }
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_to_max_norm_across_buffers() {
        let mut a = vec![3.0f32, 0.0];
        let mut b = vec![4.0f32];
        assert_eq!(grad_norm(&[&a, &b]), 5.0);
        let n = clip_grad_norm(&mut [&mut a, &mut b], 1.0);
        assert_eq!(n, 5.0);
        assert!((a[0] - 0.6).abs() < 1e-6 && (b[0] - 0.8).abs() < 1e-6);
        assert!((grad_norm(&[&a, &b]) - 1.0).abs() < 1e-5);
        // Below the threshold nothing changes.
        let before = (a.clone(), b.clone());
        let n = clip_grad_norm(&mut [&mut a, &mut b], 2.0);
        assert!((n - 1.0).abs() < 1e-5);
        assert_eq!((a, b), before);
    }

    #[test]
    fn non_finite_norm_leaves_gradients_alone() {
        let mut a = vec![f32::NAN, 1.0];
        let n = clip_grad_norm(&mut [&mut a], 1.0);
        assert!(n.is_nan() && a[1] == 1.0);
    }
}
