//! gguf's integration tests: round-trip and corruption tests on files
//! built by our writer, through the public API only.

use gguf::*;

fn sample() -> GgufWriter {
    let mut w = GgufWriter::new();
    w.set_str("general.architecture", "llama")
        .set_u32("llama.block_count", 2)
        .set_f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
        .set("general.flag", Value::Bool(true))
        .set("x.i8", Value::I8(-3))
        .set("x.u16", Value::U16(65535))
        .set("x.i64", Value::I64(-1 << 40))
        .set("x.f64", Value::F64(std::f64::consts::PI))
        .set("x.empty", Value::Array(ValueType::I32, vec![]))
        .set(
            "x.nested",
            Value::Array(
                ValueType::Array,
                vec![
                    Value::Array(ValueType::U8, vec![Value::U8(1), Value::U8(2)]),
                    Value::Array(ValueType::String, vec![Value::String("a".into())]),
                ],
            ),
        )
        .set(
            "tokenizer.ggml.tokens",
            string_array(&["<s>", "hello", "wörld"]),
        );
    w.add_f32(
        "a.weight",
        &[4, 2],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
    )
    .unwrap();
    w.add_tensor("b.weight", GgmlType::Q8_0, &[32, 3], vec![7u8; 34 * 3])
        .unwrap();
    w.add_tensor(
        "c.weight",
        GgmlType::Q4_K,
        &[256],
        (0..144).map(|i| i as u8).collect(),
    )
    .unwrap();
    w
}

#[test]
fn round_trip_is_identical() {
    let w = sample();
    let bytes = w.to_bytes().unwrap();
    let h = Header::parse(&bytes).unwrap();
    assert_eq!(h.version, 3);
    assert_eq!(h.metadata, w.metadata_pairs().to_vec());
    assert_eq!(h.tensors.len(), 3);
    for (t, p) in h.tensors.iter().zip(w.tensor_parts()) {
        assert_eq!(t.name, p.0);
        assert_eq!(t.ty, p.1);
        assert_eq!(t.shape, p.2);
        assert_eq!(t.offset % 32, 0);
        let start = (h.data_offset + t.offset) as usize;
        assert_eq!(&bytes[start..start + t.n_bytes as usize], p.3);
    }
    // Writing what we read gives the same bytes.
    let mut w2 = GgufWriter::new();
    for (k, v) in &h.metadata {
        w2.set(k, v.clone());
    }
    for t in &h.tensors {
        let start = (h.data_offset + t.offset) as usize;
        w2.add_tensor(
            &t.name,
            t.ty,
            &t.shape,
            bytes[start..start + t.n_bytes as usize].to_vec(),
        )
        .unwrap();
    }
    assert_eq!(w2.to_bytes().unwrap(), bytes);
}

#[test]
fn custom_alignment_is_honoured() {
    let mut w = sample();
    w.set_u32("general.alignment", 64);
    let bytes = w.to_bytes().unwrap();
    let h = Header::parse(&bytes).unwrap();
    assert_eq!(h.alignment, 64);
    assert_eq!(h.data_offset % 64, 0);
    assert!(h.tensors.iter().all(|t| t.offset % 64 == 0));
    w.set_u32("general.alignment", 48);
    assert!(w.to_bytes().is_err());
}

#[test]
fn writer_rejects_wrong_sizes() {
    let mut w = GgufWriter::new();
    assert!(w
        .add_tensor("x", GgmlType::Q4_0, &[32], vec![0; 17])
        .is_err());
    assert!(w
        .add_tensor("x", GgmlType::Q4_0, &[31], vec![0; 18])
        .is_err());
    w.add_tensor("x", GgmlType::Q4_0, &[32], vec![0; 18])
        .unwrap();
    assert!(w
        .add_tensor("x", GgmlType::Q4_0, &[32], vec![0; 18])
        .is_err());
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = sample().to_bytes().unwrap();
    let h = Header::parse(&bytes).unwrap();
    // Only the last tensor's trailing alignment padding may be cut off.
    let last = h.tensors.last().unwrap();
    let data_end = (h.data_offset + last.offset + last.n_bytes) as usize;
    for len in 0..data_end {
        let r = Header::parse(&bytes[..len]);
        assert!(r.is_err(), "truncated at {len} parsed");
    }
    assert!(Header::parse(&bytes[..data_end]).is_ok());
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = sample().to_bytes().unwrap();
    // Deterministic xorshift so the test is reproducible.
    let mut s = 0x9E3779B97F4A7C15u64;
    for i in 0..bytes.len() {
        for flip in [0xFFu8, 0x80, 0x01] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            let _ = Header::parse(&b);
        }
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let mut b = bytes.clone();
        let j = (s % bytes.len() as u64) as usize;
        b[j] = (s >> 32) as u8;
        let _ = Header::parse(&b);
    }
}

#[test]
fn huge_counts_are_rejected_before_allocating() {
    let mut b = sample().to_bytes().unwrap();
    // n_kv at offset 16: claim 2^60 entries.
    b[16..24].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let e = Header::parse(&b).unwrap_err().to_string();
    assert!(e.contains("metadata count"), "{e}");
    assert!(Header::parse(b"GGML\x03\0\0\0")
        .unwrap_err()
        .to_string()
        .contains("not a GGUF file"));
    let mut v = sample().to_bytes().unwrap();
    v[4] = 9;
    assert!(matches!(
        Header::parse(&v),
        Err(Error::UnsupportedVersion { version: 9 })
    ));
}
