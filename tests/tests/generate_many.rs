//! `Engine::generate_many` (several prompts decoded together in one
//! llama.cpp context) against its oracle, `Engine::generate` one prompt at
//! a time, on the real default model. Tolerance: none. Each sequence has
//! its own KV stream with cells from 0, is prefilled alone, and attention
//! runs without flash attention, so llama.cpp computes every sequence's
//! logits with the same float operations in both cases.

use agentcoder_tests::{nonzero_lora, smollm2, TempDir};
use gguf::GgufFile;
use runtime::infer::{Engine, EngineOptions, Generation, LoraHandle, SamplingParams};
use runtime::model::Weights;
use runtime::Error;

fn chat(user: &str) -> String {
    format!(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n"
    )
}

/// Short and long prompts (past 256 and 512 cells, where llama.cpp widens
/// the attention span), one too long for the context.
fn prompts() -> Vec<String> {
    let tools: Vec<String> = (0..8)
        .map(|i| {
            format!(
                r#"{{"name": "tool_{i}", "description": "Looks up record {i} in the inventory database and returns its fields.", "parameters": {{"type": "object", "properties": {{"id": {{"type": "integer", "description": "record id"}}, "verbose": {{"type": "boolean"}}}}, "required": ["id"]}}}}"#
            )
        })
        .collect();
    let story: String = (0..40)
        .map(|i| {
            format!(
                "On day {i} the baker made {} loaves and sold most of them. ",
                3 * i + 7
            )
        })
        .collect();
    vec![
        chat("What is the capital of France?"),
        chat("Write a Python function that reverses a string."),
        chat(&format!(
            "You can call these functions:\n{}\nFind record 42.",
            tools.join("\n")
        )),
        chat(&"overflow ".repeat(1500)),
        chat(&format!("{story}\nHow many loaves were made on day 3?")),
        chat("List three colors."),
        chat("Translate 'good morning' into Spanish."),
    ]
}

fn engine() -> Engine {
    Engine::load(
        smollm2(),
        EngineOptions {
            n_ctx: 1024,
            threads: 2,
            exact: false,
        },
    )
    .expect("the default model loads")
}

fn one_at_a_time(
    e: &mut Engine,
    prompts: &[String],
    p: &SamplingParams,
) -> Vec<Option<Generation>> {
    prompts
        .iter()
        .map(|q| one(e.generate(q, p, None, &mut |_| true)))
        .collect()
}

fn one(r: runtime::Result<Generation>) -> Option<Generation> {
    match r {
        Ok(g) => Some(g),
        Err(Error::ContextFull { .. }) => None,
        Err(err) => panic!("{err}"),
    }
}

fn check(p: SamplingParams, parallel: usize) {
    let mut e = engine();
    let prompts = prompts();
    let want = one_at_a_time(&mut e, &prompts, &p);
    assert!(
        want[2].as_ref().unwrap().prompt_tokens > 300,
        "a long prompt"
    );
    assert!(
        want[4].as_ref().unwrap().prompt_tokens > 600,
        "a longer one"
    );
    let mut finished = Vec::new();
    let got = e
        .generate_many(&prompts, parallel, &p, None, &mut |i| finished.push(i))
        .unwrap();
    finished.sort_unstable();
    assert_eq!(finished, (0..prompts.len()).collect::<Vec<_>>());
    assert_eq!(got.len(), prompts.len());
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        match (w, g) {
            (None, Err(Error::ContextFull { n_ctx, .. })) => assert_eq!(*n_ctx, 1024),
            (Some(w), Ok(g)) => {
                assert_eq!(g.text, w.text, "prompt {i}");
                assert_eq!(g.stop_reason, w.stop_reason, "prompt {i}");
                assert_eq!(g.generated_tokens, w.generated_tokens, "prompt {i}");
                assert_eq!(g.prompt_tokens, w.prompt_tokens, "prompt {i}");
            }
            (w, g) => panic!("prompt {i}: one at a time {w:?}, batched {g:?}"),
        }
    }
}

/// Greedy: the same texts, stop reasons and token counts; the prompt over
/// the context is that item's `ContextFull` while the others complete.
#[test]
fn batched_greedy_generation_equals_one_at_a_time() {
    check(
        SamplingParams {
            max_tokens: 40,
            temperature: 0.0,
            stop: vec!["\n\n".into()],
            ..SamplingParams::default()
        },
        3,
    );
}

/// Seeded sampling too: each sequence has its own sampler with the seed,
/// and the logits are the same, so the draws are.
#[test]
fn batched_seeded_sampling_equals_one_at_a_time() {
    check(
        SamplingParams {
            max_tokens: 24,
            temperature: 0.8,
            ..SamplingParams::default()
        },
        4,
    );
}

/// `Engine::session` (one context kept across calls: the server's) against
/// `Engine::generate` (a fresh context per call): the same texts and counts,
/// with short prompts, then one that makes the session's context grow, then
/// short ones in the grown context, and a LoRA adapter switched on, off and
/// back on between calls (a new context starts with none set). The prompts
/// share the system turn, whose cells the session keeps from one call to
/// the next under the same adapter.
#[test]
fn a_session_generates_what_generate_does() {
    let dir = TempDir::new("session-lora");
    let file = GgufFile::open(smollm2()).unwrap();
    let cfg = Weights::load(&file).unwrap().cfg;
    let adapter = nonzero_lora(&cfg, 5, 11, 0.05);
    let lora_path = dir.path("adapter.gguf");
    adapter.save_gguf(&cfg.architecture, &lora_path).unwrap();

    let p = SamplingParams {
        max_tokens: 24,
        temperature: 0.0,
        ..SamplingParams::default()
    };
    let mut prompts = prompts();
    prompts.reverse();
    let lora_of = |i: usize, h: LoraHandle| (!i.is_multiple_of(3)).then_some((h, 1.0));
    let mut oracle = engine();
    let h = oracle.load_lora(&lora_path).unwrap();
    let want: Vec<_> = prompts
        .iter()
        .enumerate()
        .map(|(i, q)| one(oracle.generate(q, &p, lora_of(i, h), &mut |_| true)))
        .collect();
    let base: Vec<_> = prompts
        .iter()
        .map(|q| one(oracle.generate(q, &p, None, &mut |_| true)))
        .collect();
    let changed = (0..prompts.len())
        .filter(|&i| lora_of(i, h).is_some())
        .filter(|&i| want[i].as_ref().map(|g| &g.text) != base[i].as_ref().map(|g| &g.text))
        .count();
    assert!(
        changed > 0,
        "the adapter changes no answer: the switch is untested"
    );

    let mut served = engine();
    let h = served.load_lora(&lora_path).unwrap();
    let mut session = served.session();
    let (mut kept, mut last_lora) = (0, None);
    for (i, q) in prompts.iter().enumerate() {
        let got = one(session.generate(q, &p, lora_of(i, h), &mut |_| true));
        match (&want[i], &got) {
            (None, None) => {}
            (Some(w), Some(g)) => {
                // Cells are kept only under the adapter that made them.
                if i == 0 || lora_of(i, h) != last_lora {
                    assert_eq!(g.cached_tokens, 0, "prompt {i}");
                }
                last_lora = lora_of(i, h);
                kept += g.cached_tokens;
                assert_eq!(g.text, w.text, "prompt {i}");
                assert_eq!(g.stop_reason, w.stop_reason, "prompt {i}");
                assert_eq!(g.generated_tokens, w.generated_tokens, "prompt {i}");
                assert_eq!(g.prompt_tokens, w.prompt_tokens, "prompt {i}");
            }
            (w, g) => panic!("prompt {i}: generate {w:?}, session {g:?}"),
        }
    }
    assert!(kept > 0, "no prompt reused the cells of a common prefix");
}

/// `Session::generate_group` (the prompt computed once, its cells copied to
/// every sequence) against `Engine::generate` one seed at a time: greedy,
/// every rollout is the greedy text; sampled, rollout `i` is the text of
/// seed `seed + i`, and the seeds do not all agree.
#[test]
fn a_group_shares_its_prompt_and_samples_what_generate_does() {
    let mut e = engine();
    let prompt = chat("Tell me a short story about a fox and a river.");
    let greedy = SamplingParams {
        max_tokens: 20,
        temperature: 0.0,
        ..SamplingParams::default()
    };
    let want = e.generate(&prompt, &greedy, None, &mut |_| true).unwrap();
    let group = e
        .session()
        .generate_group(&prompt, 4, &greedy, None)
        .unwrap();
    assert_eq!(group.len(), 4);
    for g in &group {
        assert_eq!(g.text, want.text);
        assert_eq!(g.generated_tokens, want.generated_tokens);
        assert_eq!(g.prompt_tokens, want.prompt_tokens);
        assert_eq!(g.cached_tokens, want.prompt_tokens - 1);
    }

    let sampled = SamplingParams {
        max_tokens: 20,
        temperature: 1.0,
        seed: 7,
        ..SamplingParams::default()
    };
    let group = e
        .session()
        .generate_group(&prompt, 5, &sampled, None)
        .unwrap();
    let mut texts = Vec::new();
    for (i, g) in group.iter().enumerate() {
        let alone = SamplingParams {
            seed: 7 + i as u32,
            ..sampled.clone()
        };
        let want = e.generate(&prompt, &alone, None, &mut |_| true).unwrap();
        assert_eq!(g.text, want.text, "rollout {i}");
        texts.push(g.text.clone());
    }
    texts.dedup();
    assert!(texts.len() > 1, "five seeds gave one text: {texts:?}");
}
