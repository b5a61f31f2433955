//! Text to train a tokenizer or a model from scratch on: plain text and
//! source files (whole documents), and JSONL conversations (one chat per
//! line, rendered as ChatML). Directories are walked for `.py`, `.txt`,
//! `.md`, `.rs` and `.jsonl` files; a named file is read whatever its
//! extension.

use std::path::{Path, PathBuf};

use dataset::prompt::{parse_line, render_chatml, Conversation};

use crate::{Error, Result};

/// File extensions read when walking a directory.
const TEXT_EXTENSIONS: &[&str] = &["py", "txt", "md", "rs", "jsonl"];

/// What a set of paths holds.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Plain documents (one per file).
    pub documents: Vec<String>,
    /// Conversations: (file, 1-based line, conversation).
    pub conversations: Vec<(PathBuf, usize, Conversation)>,
    pub files: usize,
    pub bytes: u64,
    /// Files skipped in directories (not UTF-8).
    pub skipped_files: usize,
}

impl Corpus {
    /// Every text as the model will see it: documents as they are,
    /// conversations rendered as ChatML.
    pub fn texts(&self) -> Vec<String> {
        let chats = self.conversations.iter().map(|(_, _, c)| {
            render_chatml(c, false)
                .into_iter()
                .map(|s| s.text)
                .collect::<String>()
        });
        self.documents.iter().cloned().chain(chats).collect()
    }
}

/// Reads `paths` (files or directories). A `.jsonl` file must hold one
/// conversation per line (errors name file:line); a named file that is not
/// UTF-8 is an error, one found in a directory is skipped and counted.
pub fn read(paths: &[PathBuf]) -> Result<Corpus> {
    let mut c = Corpus::default();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                read_file(&f, false, &mut c)?;
            }
        } else {
            read_file(p, true, &mut c)?;
        }
    }
    if c.documents.is_empty() && c.conversations.is_empty() {
        return Err(Error::Input(format!(
            "no text found in {} (directories are searched for .{} files)",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            TEXT_EXTENSIONS.join(", .")
        )));
    }
    Ok(c)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| TEXT_EXTENSIONS.contains(&e))
        {
            out.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path, named: bool, c: &mut Corpus) -> Result<()> {
    let bytes = std::fs::read(path).map_err(Error::io(path))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) if !named => {
            c.skipped_files += 1;
            return Ok(());
        }
        Err(e) => {
            return Err(Error::Input(format!(
                "{}: not UTF-8 text (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            )))
        }
    };
    c.files += 1;
    c.bytes += text.len() as u64;
    if path.extension().is_some_and(|e| e == "jsonl") {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let conv = parse_line(line)
                .map_err(|e| Error::Input(format!("{}:{}: {e}", path.display(), i + 1)))?;
            c.conversations.push((path.to_path_buf(), i + 1, conv));
        }
    } else if !text.trim().is_empty() {
        c.documents.push(text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_documents_and_conversations_and_names_bad_lines() {
        let dir = std::env::temp_dir().join(format!("ac-corpus-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("a.py"), "print(1)\n").unwrap();
        std::fs::write(dir.join("sub/b.txt"), "hello\n").unwrap();
        std::fs::write(dir.join("sub/c.bin"), [0xffu8, 0xfe]).unwrap();
        std::fs::write(dir.join("sub/d.txt"), [0xffu8, 0xfe]).unwrap();
        let chat =
            r#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}"#;
        std::fs::write(dir.join("e.jsonl"), format!("{chat}\n\n{chat}\n")).unwrap();
        let c = read(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(c.documents.len(), 2);
        assert_eq!(c.conversations.len(), 2);
        assert_eq!(c.conversations[1].1, 3);
        assert_eq!(c.skipped_files, 1);
        assert!(c.texts()[2].contains("<|im_start|>assistant\nyo<|im_end|>"));
        std::fs::write(
            dir.join("e.jsonl"),
            format!("{chat}\n{{\"messages\": 3}}\n"),
        )
        .unwrap();
        let e = read(&[dir.join("e.jsonl")]).unwrap_err().to_string();
        assert!(e.contains("e.jsonl:2"), "{e}");
        let e = read(&[dir.join("sub/d.txt")]).unwrap_err().to_string();
        assert!(e.contains("d.txt: not UTF-8"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
