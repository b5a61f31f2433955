//! Our GGUF reader and writer against ggml's own reader and llama.cpp, on
//! the real SmolLM2 file.

use agentcoder_tests::{ggml_read, our_view, smollm2, TempDir};
use gguf::{GgmlType, GgufFile, GgufWriter, MetadataExt};

#[test]
fn smollm2_matches_ggml_reader_exactly() {
    let path = smollm2();
    let ours = GgufFile::open(&path).unwrap();
    assert_eq!(ours.tensors().len(), 272);
    let count = |ty| ours.tensors().iter().filter(|t| t.ty == ty).count();
    assert_eq!(
        (
            count(GgmlType::Q4_1),
            count(GgmlType::Q8_0),
            count(GgmlType::F32)
        ),
        (210, 1, 61)
    );
    assert_eq!(ours.require_str("general.architecture").unwrap(), "llama");
    let theirs = ggml_read(&path).expect("ggml reads SmolLM2");
    assert_eq!(our_view(&ours.header), theirs);
}

#[test]
fn rewritten_file_is_byte_identical_and_ggml_reads_it() {
    let path = smollm2();
    let src = GgufFile::open(&path).unwrap();
    let mut w = GgufWriter::new();
    for (k, v) in &src.header.metadata {
        w.set(k, v.clone());
    }
    for t in src.tensors() {
        w.add_tensor(&t.name, t.ty, &t.shape, src.data(t).to_vec())
            .unwrap();
    }
    let dir = TempDir::new("rewrite");
    let out = dir.path("copy.gguf");
    w.write(&out).unwrap();
    let theirs = ggml_read(&out).expect("ggml reads our file");
    assert_eq!(our_view(&src.header), theirs);
    let a = std::fs::read(&path).unwrap();
    let b = std::fs::read(&out).unwrap();
    // The original ends with the last tensor's data; ours pads it to the alignment.
    assert!(b.len() >= a.len() && b.len() - a.len() < 32);
    assert!(
        a == b[..a.len()],
        "rewritten bytes differ from the original"
    );
}

#[test]
fn truncated_real_header_is_rejected_by_both_readers() {
    let path = smollm2();
    let bytes = std::fs::read(&path).unwrap();
    let h = gguf::Header::parse(&bytes).unwrap();
    let dir = TempDir::new("trunc");
    // Cut inside the metadata, the tensor infos and the data.
    for cut in [
        10usize,
        30,
        1000,
        500_000,
        h.data_offset as usize - 100,
        h.data_offset as usize + 1000,
        bytes.len() - 1,
    ] {
        let p = dir.path("cut.gguf");
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let err = GgufFile::open(&p)
            .err()
            .unwrap_or_else(|| panic!("cut at {cut} accepted"));
        assert!(
            err.to_string().contains("truncated") || err.to_string().contains("invalid"),
            "{err}"
        );
        assert!(
            ggml_read(&p).is_none() || cut >= h.data_offset as usize,
            "ggml accepted a header cut at {cut}"
        );
    }
}
