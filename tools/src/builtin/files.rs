//! `files`: a per-conversation in-memory file system. Nothing touches the
//! host: paths are keys in a map, normalised so that `./a//b.txt` and
//! `/a/b.txt` name the same file, and `..` is refused. Quotas on total
//! bytes, file count and path length keep one conversation bounded.

use crate::registry::{Tool, ToolContext, ToolOutput};
use crate::schema::{FunctionSpec, ObjectSchema, Schema, SchemaKind};
use crate::ToolError;
use serde_json::Value;
use std::collections::BTreeMap;

pub const NAME: &str = "files";

/// Quotas of one conversation's file system.
#[derive(Debug, Clone, PartialEq)]
pub struct FsLimits {
    /// Sum of all file sizes (default 1 MiB).
    pub max_total_bytes: usize,
    /// Number of files (default 64).
    pub max_files: usize,
    /// Length of a path in bytes (default 256).
    pub max_path_bytes: usize,
}

impl Default for FsLimits {
    fn default() -> Self {
        FsLimits {
            max_total_bytes: 1 << 20,
            max_files: 64,
            max_path_bytes: 256,
        }
    }
}

/// Files by normalised path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemFs {
    files: BTreeMap<String, String>,
}

impl MemFs {
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(String::len).sum()
    }

    /// Creates or replaces a file.
    pub fn write(
        &mut self,
        path: &str,
        content: &str,
        limits: &FsLimits,
    ) -> Result<String, ToolError> {
        let path = normalize(path, limits)?;
        let old = self.files.get(&path).map_or(0, String::len);
        if !self.files.contains_key(&path) && self.files.len() >= limits.max_files {
            return Err(ToolError::limit(
                NAME,
                format!(
                    "already {} files (the limit); delete one first",
                    self.files.len()
                ),
            ));
        }
        let total = self.total_bytes() - old + content.len();
        if total > limits.max_total_bytes {
            return Err(ToolError::limit(
                NAME,
                format!(
                    "writing {} bytes to '{path}' would use {total} bytes in all; the limit is {}",
                    content.len(),
                    limits.max_total_bytes
                ),
            ));
        }
        self.files.insert(path.clone(), content.to_string());
        Ok(path)
    }

    pub fn read(&self, path: &str, limits: &FsLimits) -> Result<&str, ToolError> {
        let path = normalize(path, limits)?;
        self.files
            .get(&path)
            .map(String::as_str)
            .ok_or_else(|| self.not_found(&path))
    }

    pub fn delete(&mut self, path: &str, limits: &FsLimits) -> Result<String, ToolError> {
        let path = normalize(path, limits)?;
        match self.files.remove(&path) {
            Some(_) => Ok(path),
            None => Err(self.not_found(&path)),
        }
    }

    /// `(path, size)` of every file under the folder `prefix` (all files
    /// when `prefix` is empty or `/`).
    pub fn list(&self, prefix: &str, limits: &FsLimits) -> Result<Vec<(&str, usize)>, ToolError> {
        let folder = if prefix.trim_matches(['/', '.', ' ']).is_empty() {
            String::new()
        } else {
            format!("{}/", normalize(prefix, limits)?)
        };
        Ok(self
            .files
            .iter()
            .filter(|(path, _)| path.starts_with(&folder))
            .map(|(path, content)| (path.as_str(), content.len()))
            .collect())
    }

    fn not_found(&self, path: &str) -> ToolError {
        let existing: Vec<&str> = self.files.keys().take(20).map(String::as_str).collect();
        let existing = if existing.is_empty() {
            "none".to_string()
        } else {
            existing.join(", ")
        };
        ToolError::failed(
            NAME,
            format!("no file '{path}'; existing files: {existing}"),
        )
    }
}

/// `./a//b.txt` -> `a/b.txt`. Refuses `..`, control characters, empty and
/// over-long paths.
pub fn normalize(path: &str, limits: &FsLimits) -> Result<String, ToolError> {
    let shown = crate::error::preview(path, 60);
    if path.len() > limits.max_path_bytes {
        return Err(ToolError::limit(
            NAME,
            format!(
                "path '{shown}' is {} bytes long; the limit is {}",
                path.len(),
                limits.max_path_bytes
            ),
        ));
    }
    if path.chars().any(char::is_control) {
        return Err(ToolError::invalid(
            NAME,
            format!("path {:?} contains control characters", shown),
        ));
    }
    let parts: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.contains(&"..") {
        return Err(ToolError::invalid(
            NAME,
            format!("path '{shown}' must not contain '..': files live in this conversation's own folder"),
        ));
    }
    if parts.is_empty() {
        return Err(ToolError::invalid(
            NAME,
            format!("'{shown}' is not a file path"),
        ));
    }
    Ok(parts.join("/"))
}

/// The files tool: `action` is write, read, list or delete.
pub struct Files {
    spec: FunctionSpec,
}

impl Default for Files {
    fn default() -> Self {
        let text = |d: &str| Schema::new(SchemaKind::String).describe(d);
        let parameters = ObjectSchema::default()
            .with(
                "action",
                text("what to do").one_of(&["write", "read", "list", "delete"]),
                true,
            )
            .with(
                "path",
                text("file path such as notes/plan.txt (for list: a folder, optional)"),
                false,
            )
            .with("content", text("the text to write (write only)"), false);
        Files {
            spec: FunctionSpec {
                name: NAME.into(),
                description: "A private scratch folder for this conversation: write, read, list and delete text files. It is not the user's disk.".into(),
                parameters,
            },
        }
    }
}

impl Tool for Files {
    fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    fn call(&self, args: &Value, ctx: &mut ToolContext) -> Result<ToolOutput, ToolError> {
        let text = |key: &str| args.get(key).and_then(Value::as_str);
        let limits = &ctx.limits.files;
        let need_path = || {
            text("path").ok_or_else(|| {
                ToolError::invalid(
                    NAME,
                    format!("missing argument 'path' for {}", self.spec.signature()),
                )
            })
        };
        let out = match text("action").unwrap_or("") {
            "write" => {
                let content = text("content").ok_or_else(|| {
                    ToolError::invalid(NAME, "action 'write' needs a string argument 'content'")
                })?;
                let path = ctx.files.write(need_path()?, content, limits)?;
                format!("wrote {} bytes to {path}", content.len())
            }
            "read" => ctx.files.read(need_path()?, limits)?.to_string(),
            "delete" => format!("deleted {}", ctx.files.delete(need_path()?, limits)?),
            "list" => {
                let listing = ctx.files.list(text("path").unwrap_or(""), limits)?;
                if listing.is_empty() {
                    "(no files)".to_string()
                } else {
                    listing
                        .iter()
                        .map(|(path, size)| format!("{path} ({size} bytes)"))
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            }
            other => {
                return Err(ToolError::invalid(
                    NAME,
                    format!(
                        "unknown action '{}'; use write, read, list or delete",
                        crate::error::preview(other, 30)
                    ),
                ))
            }
        };
        Ok(ToolOutput::new(out))
    }
}
