//! A tokenizer we trained (the `tokenizers` crate) and llama.cpp reading
//! it from our GGUF metadata split text into the same ids: on source code,
//! unicode, whitespace runs, numbers and the special tokens, ≥ 1,000
//! strings.

use std::path::{Path, PathBuf};

use agentcoder_tests::TempDir;
use kernels::rng::Rng;
use runtime::model::{write_scratch_model, ScratchShape};
use runtime::tokenizer::{self, BpeVocab};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Strings a tokenizer finds hard: every script and symbol class, runs of
/// spaces, tabs and newlines, digits, contractions in any case, and the
/// special tokens alone, glued to text and cut short.
fn hand_written() -> Vec<String> {
    let mut s: Vec<String> = [
        "<|im_start|>user\nWhat is 12345 * 67890?<|im_end|>\n<|im_start|>assistant\n",
        "<EXEC>\nprint(12345 * 67890)\n</EXEC>",
        "x<EXEC>y</EXEC>z<EXEC></EXEC>",
        "<EXE",
        "<|im_end",
        "<|endoftext|><|endoftext|>",
        "<tool_call>\n{\"name\": \"python\", \"arguments\": {\"code\": \"1+1\"}}\n</tool_call>",
        "<tool_response>\n838102050\n</tool_response>",
        "I'm",
        "I'M",
        "don't",
        "DON'T",
        "we've",
        "They'LL",
        "she'd",
        "it's",
        "O'Neil",
        "   ",
        "\t",
        "\t\t  \t",
        "\n",
        "\n\n",
        "\n\n\n\n",
        " \n ",
        "a  b",
        "a   \n  b",
        "trailing   ",
        "   leading",
        "\r\n",
        "line\r\nline",
        "  \n\n  x",
        "12345",
        "3.14159",
        "-42",
        "1e-5",
        "0x1F",
        "1,000,000",
        "2^10",
        "10!",
        "1000 // 7",
        "naïve café",
        "Straße",
        "Ωμέγα",
        "Привет, мир",
        "你好，世界",
        "こんにちは",
        "안녕하세요",
        "مرحبا بالعالم",
        "नमस्ते",
        "😀😃😄",
        "👩‍💻",
        "🇫🇷",
        "e\u{301}",
        "ﬁ",
        "½ ² ³",
        "٣٤٥",
        "≥ ≤ → × ÷ ±",
        "`code`",
        "**bold**",
        "a_b_c",
        "camelCaseName",
        "snake_case_name",
        "def f(x):\n    return x ** 2\n",
        "for i in range(10):\n\tprint(i)",
        "{\"key\": [1, 2.5, null, true]}",
        "https://example.com/a?b=c&d=e",
        "C:\\path\\to",
        "!!!???...",
        "---===+++",
        "''",
        "\"\"",
        "''s",
        "'s'",
        "$100.00",
        "#include <stdio.h>",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    // Random strings from a pool of every kind of character above.
    let pool: Vec<char> = "abcXYZ019 \t\n\r'\".,;:!?()[]{}<>|_-+*/=&%$#@~`^\\éßΩжあ你😀‍\u{301}٣"
        .chars()
        .collect();
    let mut rng = Rng::new(7);
    for _ in 0..300 {
        let n = 1 + rng.below(40) as usize;
        s.push(
            (0..n)
                .map(|_| pool[rng.below(pool.len() as u64) as usize])
                .collect(),
        );
    }
    s
}

#[test]
fn llama_cpp_tokenizes_our_trained_tokenizer_exactly_as_tokenizers_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("runtime/src"), &mut files);
    rust_files(&root.join("tools/src"), &mut files);
    // Train on half the files, test on lines of the other half.
    let (train_files, test_files): (Vec<_>, Vec<_>) =
        files.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let texts: Vec<String> = train_files
        .iter()
        .map(|(_, p)| std::fs::read_to_string(p).unwrap())
        .collect();
    let tok = tokenizer::train(&texts, 1500).unwrap();
    let dir = TempDir::new("tokenizer-parity");
    let json = dir.path("tokenizer.json");
    tokenizer::save(&tok, &json).unwrap();
    let vocab = BpeVocab::load(&json).unwrap();
    assert_eq!(vocab.tokens.len(), 1500);
    let gguf = dir.path("model.gguf");
    let shape = ScratchShape {
        n_layer: 1,
        n_embd: 32,
        n_head: 2,
        n_head_kv: 1,
        n_ff: 32,
        context: 64,
    };
    write_scratch_model(&shape, &vocab.gguf_metadata(), vocab.tokens.len(), 1, &gguf).unwrap();
    let llama = runtime::infer::Tokenizer::load(&gguf).unwrap();
    let hf = tokenizer::load(&json).unwrap();

    let mut strings = hand_written();
    for (_, p) in &test_files {
        let text = std::fs::read_to_string(p).unwrap();
        strings.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .take(40)
                .map(String::from),
        );
        // A whole file: indentation and blank-line runs as they occur.
        strings.push(text.chars().take(3000).collect());
    }
    assert!(strings.len() >= 1000, "{} strings", strings.len());
    let mut mismatches = Vec::new();
    let mut tokens = 0;
    for s in &strings {
        let ours = tokenizer::encode(&hf, s).unwrap();
        let theirs = llama.tokenize(s);
        tokens += ours.len();
        if ours != theirs {
            mismatches.push(format!(
                "{s:?}:\n  tokenizers {ours:?}\n  llama.cpp  {theirs:?}"
            ));
        }
        // And llama.cpp prints back the text it was given.
        assert_eq!(llama.detokenize(&theirs), *s, "round trip of {s:?}");
    }
    eprintln!(
        "{} strings, {tokens} tokens, {} differ",
        strings.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{}",
        mismatches[..mismatches.len().min(5)].join("\n")
    );
    // The special tokens are single ids, and digits are one token each.
    let ids = llama.tokenize("<|im_start|><EXEC>12345</EXEC><|im_end|>");
    assert_eq!(ids.len(), 2 + 5 + 2, "{ids:?}");
    assert!(llama.is_eog(vocab.im_end.unwrap() as i32));
}
