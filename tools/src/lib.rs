//! Tools a model can call and the parsers that read its calls: the `Tool`
//! trait and registry, JSON-schema argument checks (OpenAI/BFCL and xLAM
//! flat styles), built-in tools (python sandbox, calculator, files,
//! search_docs) and tool-call parsers (`<EXEC>`, `<tool_call>`, xLAM JSON,
//! pythonic). Not for: running models (that is `runtime`).
