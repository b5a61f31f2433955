//! End-to-end tests across crates, one test binary (each links llama.cpp):
//! our GGUF reader and writer against ggml's, the training graph against
//! finite differences and against llama.cpp's logits, full-parameter
//! training, merging, and the tiny random-weight models of each
//! architecture run by llama.cpp.

mod call_grammar;
mod full_param;
mod generate_many;
mod gguf_corrupt_real;
mod gguf_real_file;
mod merge;
mod tiny_models_run;
mod tokenizer_parity;
mod training_grad;
mod training_parity;
