//! Prompt formats: the ONE renderer used by training and inference so the
//! two never drift. ChatML is SmolLM2's and Qwen's own template.

/// A ChatML user turn followed by the opening of the assistant turn.
pub fn chatml_user_turn(user: &str) -> String {
    format!("<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n")
}
