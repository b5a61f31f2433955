//! Byte-level BPE tokenizers trained with the `tokenizers` crate for models
//! trained from scratch, and their GGUF form (`tokenizer.ggml.*`: model
//! `gpt2`, pre-tokenizer `qwen2`) so that llama.cpp splits text exactly as
//! `tokenizers` does. The pre-tokenizer is Qwen2's: one token per digit
//! and no space glued to a number, which keeps numbers copyable for a
//! small model.
//!
//! The trained tokenizer is saved as Hugging Face `tokenizer.json`; the
//! GGUF metadata is read back from that file, so a file edited or trained
//! elsewhere is checked the same way (byte-level BPE with this
//! pre-tokenizer, ids 0..n without gaps).

use std::path::Path;

use gguf::{string_array, Value, ValueType};
use tokenizers::models::bpe::{BpeTrainerBuilder, BPE};
use tokenizers::models::TrainerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{
    AddedToken, DecoderWrapper, ModelWrapper, NormalizerWrapper, PostProcessorWrapper,
    PreTokenizerWrapper, SplitDelimiterBehavior, TokenizerBuilder,
};

use crate::{Error, Result};

/// Qwen2's pre-tokenizer split (llama.cpp's `qwen2` pre-type uses the same
/// expression with the case-insensitive contractions spelled out).
pub const PRE_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// End of text: BOS/padding, and what separates documents in pretraining.
pub const END_OF_TEXT: &str = "<|endoftext|>";

/// The special tokens every trained tokenizer starts with, in id order:
/// (text, control). Control tokens (turn markers) are never printed by
/// llama.cpp; the others (the agent's tags) are user-defined tokens that
/// decode to their text.
pub const SPECIAL_TOKENS: &[(&str, bool)] = &[
    (END_OF_TEXT, true),
    ("<|im_start|>", true),
    ("<|im_end|>", true),
    ("<EXEC>", false),
    ("</EXEC>", false),
    ("<tool_call>", false),
    ("</tool_call>", false),
    ("<tool_response>", false),
    ("</tool_response>", false),
];

/// The smallest vocabulary worth training: the special tokens and the
/// 256 byte symbols, plus some merges.
pub const MIN_VOCAB: usize = 300;

type Hf = tokenizers::TokenizerImpl<
    ModelWrapper,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

fn hf_err(what: &str) -> impl Fn(tokenizers::Error) -> Error + '_ {
    move |e| Error::Input(format!("{what}: {e}"))
}

/// Trains a byte-level BPE of `vocab` tokens (special tokens included) on
/// `texts`.
pub fn train(texts: &[String], vocab: usize) -> Result<tokenizers::Tokenizer> {
    if vocab < MIN_VOCAB {
        return Err(Error::Input(format!(
            "--vocab {vocab}: at least {MIN_VOCAB} (the special tokens, 256 bytes and some merges)"
        )));
    }
    if texts.iter().all(|t| t.trim().is_empty()) {
        return Err(Error::Input(
            "no text to train the tokenizer on (the files are empty)".into(),
        ));
    }
    let mut hf: Hf = TokenizerBuilder::new()
        .with_model(BPE::default().into())
        .with_normalizer(None)
        .with_pre_tokenizer(Some(pre_tokenizer()?))
        .with_post_processor(Some(ByteLevel::new(false, false, false).into()))
        .with_decoder(Some(ByteLevel::default().into()))
        .build()
        .map_err(hf_err("building the tokenizer"))?;
    let special: Vec<AddedToken> = SPECIAL_TOKENS
        .iter()
        .map(|&(t, control)| AddedToken::from(t, control).normalized(false))
        .collect();
    let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
        .vocab_size(vocab)
        .min_frequency(2)
        .show_progress(false)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .special_tokens(special.clone())
        .build()
        .into();
    hf.train(&mut trainer, texts.iter())
        .map_err(hf_err("training the tokenizer"))?;
    // The trainer puts the special tokens first; registering them as added
    // tokens makes `encode` split them out before the pre-tokenizer, as
    // llama.cpp does.
    let (control, user): (Vec<_>, Vec<_>) = special.into_iter().partition(|t| t.special);
    hf.add_special_tokens(&control);
    hf.add_tokens(&user);
    Ok(hf.into())
}

/// The Qwen2 split, then bytes mapped to symbols (no prefix space).
fn pre_tokenizer() -> Result<PreTokenizerWrapper> {
    let split = Split::new(
        SplitPattern::Regex(PRE_SPLIT.into()),
        SplitDelimiterBehavior::Isolated,
        false,
    )
    .map_err(hf_err("the pre-tokenizer expression"))?;
    Ok(Sequence::new(vec![
        split.into(),
        ByteLevel::new(false, false, false).into(),
    ])
    .into())
}

/// Saves `tok` as `tokenizer.json`.
pub fn save(tok: &tokenizers::Tokenizer, path: &Path) -> Result<()> {
    let text = tok
        .to_string(true)
        .map_err(hf_err("encoding the tokenizer"))?;
    gguf::write_atomic(path, text.as_bytes()).map_err(Error::from)
}

/// A tokenizer.json read back as the lists GGUF stores.
#[derive(Clone, Debug, PartialEq)]
pub struct BpeVocab {
    /// Token text by id (byte-level symbols for ordinary tokens).
    pub tokens: Vec<String>,
    /// llama.cpp token types: 1 normal, 3 control, 4 user-defined.
    pub types: Vec<i32>,
    /// Merges in rank order, `"left right"`.
    pub merges: Vec<String>,
    pub end_of_text: u32,
    pub im_end: Option<u32>,
}

impl BpeVocab {
    /// Reads and checks a `tokenizer.json` written by [`save`] (or an
    /// equivalent byte-level BPE).
    pub fn load(path: &Path) -> Result<BpeVocab> {
        let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
        let bad = |why: String| Error::Input(format!("{}: {why}", path.display()));
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let model = &json["model"];
        if model["type"] != "BPE" {
            return Err(bad(format!(
                "the model is {}, not a byte-level BPE (train one with `agentcoder tokenizer train`)",
                model["type"]
            )));
        }
        let ours = serde_json::to_value(pre_tokenizer()?)
            .map_err(|e| bad(format!("cannot encode our pre-tokenizer: {e}")))?;
        if json["pre_tokenizer"] != ours {
            return Err(bad(
                "its pre-tokenizer is not the Qwen2 split + byte-level one that llama.cpp's \
                 `qwen2` pre-type reproduces"
                    .into(),
            ));
        }
        let vocab = model["vocab"]
            .as_object()
            .ok_or_else(|| bad("model.vocab is missing".into()))?;
        let mut by_id: Vec<Option<(String, i32)>> = Vec::new();
        let mut put = |id: u64, text: &str, ty: i32| -> Result<()> {
            let id = id as usize;
            if id >= 1 << 24 {
                return Err(bad(format!("token id {id} is out of range")));
            }
            if by_id.len() <= id {
                by_id.resize(id + 1, None);
            }
            by_id[id] = Some((text.to_string(), ty));
            Ok(())
        };
        for (text, id) in vocab {
            let id = id
                .as_u64()
                .ok_or_else(|| bad(format!("token {text:?} has no integer id")))?;
            put(id, text, 1)?;
        }
        for t in json["added_tokens"].as_array().into_iter().flatten() {
            let (Some(id), Some(text)) = (t["id"].as_u64(), t["content"].as_str()) else {
                return Err(bad("an added token without id or content".into()));
            };
            put(id, text, if t["special"] == true { 3 } else { 4 })?;
        }
        let mut tokens = Vec::with_capacity(by_id.len());
        let mut types = Vec::with_capacity(by_id.len());
        for (id, t) in by_id.into_iter().enumerate() {
            let (text, ty) = t.ok_or_else(|| bad(format!("no token has id {id}")))?;
            tokens.push(text);
            types.push(ty);
        }
        let merges = model["merges"]
            .as_array()
            .ok_or_else(|| bad("model.merges is missing".into()))?
            .iter()
            .map(|m| match m {
                serde_json::Value::String(s) => Ok(s.clone()),
                serde_json::Value::Array(p) if p.len() == 2 => Ok(format!(
                    "{} {}",
                    p[0].as_str().unwrap_or(""),
                    p[1].as_str().unwrap_or("")
                )),
                other => Err(bad(format!(
                    "a merge is neither \"a b\" nor [a, b]: {other}"
                ))),
            })
            .collect::<Result<Vec<_>>>()?;
        let find = |s: &str| tokens.iter().position(|t| t == s).map(|i| i as u32);
        let end_of_text =
            find(END_OF_TEXT).ok_or_else(|| bad(format!("it has no {END_OF_TEXT} token")))?;
        let im_end = find("<|im_end|>");
        Ok(BpeVocab {
            tokens,
            types,
            merges,
            end_of_text,
            im_end,
        })
    }

    /// The `tokenizer.*` GGUF keys llama.cpp reads: gpt2 BPE with the qwen2
    /// pre-tokenizer, no BOS added, `<|im_end|>` as end of turn, and a
    /// ChatML template.
    pub fn gguf_metadata(&self) -> Vec<(String, Value)> {
        let eos = self.im_end.unwrap_or(self.end_of_text);
        vec![
            ("tokenizer.ggml.model".into(), Value::String("gpt2".into())),
            ("tokenizer.ggml.pre".into(), Value::String("qwen2".into())),
            ("tokenizer.ggml.tokens".into(), string_array(&self.tokens)),
            (
                "tokenizer.ggml.token_type".into(),
                Value::Array(
                    ValueType::I32,
                    self.types.iter().map(|&t| Value::I32(t)).collect(),
                ),
            ),
            ("tokenizer.ggml.merges".into(), string_array(&self.merges)),
            (
                "tokenizer.ggml.bos_token_id".into(),
                Value::U32(self.end_of_text),
            ),
            ("tokenizer.ggml.eos_token_id".into(), Value::U32(eos)),
            (
                "tokenizer.ggml.padding_token_id".into(),
                Value::U32(self.end_of_text),
            ),
            ("tokenizer.ggml.add_bos_token".into(), Value::Bool(false)),
            (
                "tokenizer.chat_template".into(),
                Value::String(CHATML_TEMPLATE.into()),
            ),
        ]
    }
}

/// ChatML, the format `dataset::prompt::render_chatml` writes.
const CHATML_TEMPLATE: &str = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

/// Loads a `tokenizer.json` with the `tokenizers` crate.
pub fn load(path: &Path) -> Result<tokenizers::Tokenizer> {
    tokenizers::Tokenizer::from_file(path)
        .map_err(|e| Error::Input(format!("{}: not a tokenizer.json: {e}", path.display())))
}

/// Token ids of `text` by the `tokenizers` crate (special tokens split out,
/// nothing added).
pub fn encode(tok: &tokenizers::Tokenizer, text: &str) -> Result<Vec<i32>> {
    let enc = tok.encode(text, false).map_err(hf_err("encoding text"))?;
    Ok(enc.get_ids().iter().map(|&i| i as i32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> Vec<String> {
        (0..200)
            .map(|i| {
                format!(
                    "<|im_start|>user\nWhat is {i} * {}?<|im_end|>\n<|im_start|>assistant\n<EXEC>\nprint({i} * {})\n</EXEC><|im_end|>\ndef f(x):\n    return x + {i}\n",
                    i + 7,
                    i + 7
                )
            })
            .collect()
    }

    #[test]
    fn a_trained_tokenizer_round_trips_through_its_json() {
        let tok = train(&corpus(), 400).unwrap();
        let dir = std::env::temp_dir().join(format!("ac-tok-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("tok.json");
        save(&tok, &path).unwrap();
        let v = BpeVocab::load(&path).unwrap();
        assert_eq!(v.tokens.len(), tok.get_vocab_size(true));
        for (i, &(text, control)) in SPECIAL_TOKENS.iter().enumerate() {
            assert_eq!(v.tokens[i], text);
            assert_eq!(v.types[i], if control { 3 } else { 4 });
        }
        assert!(v.merges.len() > 50, "{} merges", v.merges.len());
        assert_eq!(v.end_of_text, 0);
        // Digits stay single tokens; the tags are one token each.
        let back = load(&path).unwrap();
        let ids = encode(&back, "<EXEC>print(12345)</EXEC>").unwrap();
        assert_eq!(ids[0], 3);
        assert_eq!(*ids.last().unwrap(), 4);
        let digits: Vec<i32> = "12345"
            .chars()
            .map(|c| encode(&back, &c.to_string()).unwrap()[0])
            .collect();
        assert!(ids.windows(5).any(|w| w == digits.as_slice()), "{ids:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn too_small_a_vocabulary_or_no_text_is_refused() {
        let e = train(&corpus(), 100).unwrap_err().to_string();
        assert!(e.contains("--vocab 100"), "{e}");
        let e = train(&["  ".into()], 400).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }
}
