use std::io::Write;
use std::path::PathBuf;

use argh::FromArgs;
use dataset::answer::answer_matches;
use runtime::agent::{run_agent, AgentConfig, LlamaChat, Trajectory, Turn};
use runtime::infer::{Engine, EngineOptions, SamplingParams};
use tools::CallFormat;

use super::{load_lora, model_path, print_json, CliError};

/// Run the model as an agent: it writes tool calls (or code), agentcoder
/// executes them in the sandbox / tool registry and feeds the results back,
/// until the model answers or --max-turns is reached.
#[derive(FromArgs)]
#[argh(subcommand, name = "agent")]
pub struct AgentArgs {
    /// the question (omit with --suite)
    #[argh(positional)]
    question: Option<String>,
    /// the GGUF model (default: the model fetched by `make model`)
    #[argh(option)]
    model: Option<PathBuf>,
    /// a LoRA adapter GGUF to apply
    #[argh(option)]
    lora: Option<PathBuf>,
    /// tools to offer: comma-separated from python,calculator,files (default python,calculator)
    #[argh(option, default = "String::from(\"python,calculator\")")]
    tools: String,
    /// how the model calls tools: hermes (<tool_call>), exec (<EXEC>), json (xLAM) or pythonic (default hermes)
    #[argh(option, default = "String::from(\"hermes\")")]
    format: String,
    /// maximum model turns (default 6)
    #[argh(option, default = "6")]
    max_turns: usize,
    /// maximum tokens per model turn (default 256)
    #[argh(option, default = "256")]
    max_tokens: usize,
    /// run a built-in suite instead of one question: basic
    #[argh(option)]
    suite: Option<String>,
    /// append each trajectory as a JSON line to this file
    #[argh(option)]
    trajectory: Option<PathBuf>,
    /// print JSON instead of the step-by-step transcript
    #[argh(switch)]
    json: bool,
}

/// The five classic checks: question and the value the answer must state.
pub const BASIC_SUITE: [(&str, &str); 5] = [
    ("What is 12345 * 67890?", "838102050"),
    ("What is 10 factorial?", "3628800"),
    ("What is the sum of the list [10, 20, 30, 40, 50]?", "150"),
    ("What is 2 to the power of 10?", "1024"),
    ("What is 1000 // 7 (integer division)?", "142"),
];

fn parse_format(s: &str) -> Result<CallFormat, CliError> {
    Ok(match s {
        "hermes" => CallFormat::Hermes,
        "exec" => CallFormat::Exec,
        "json" | "xlam" => CallFormat::Xlam,
        "pythonic" => CallFormat::Pythonic,
        other => {
            return Err(CliError::usage(format!(
                "--format {other}: choose hermes, exec, json or pythonic"
            )))
        }
    })
}

fn registry(names: &str) -> Result<tools::Registry, CliError> {
    use tools::builtin::{Calculator, Files, Python};
    let mut reg = tools::Registry::new();
    for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let tool: Box<dyn tools::Tool> = match name {
            "python" => Box::new(Python::default()),
            "calculator" => Box::new(Calculator::default()),
            "files" => Box::new(Files::default()),
            other => {
                return Err(CliError::usage(format!(
                    "--tools: unknown tool '{other}' (available: python, calculator, files)"
                )))
            }
        };
        reg.register(tool)
            .map_err(|e| CliError::usage(e.to_string()))?;
    }
    Ok(reg)
}

fn print_turn(t: &Turn) {
    println!(
        "── turn {} ({} tokens, {:.0} ms)",
        t.index + 1,
        t.generated_tokens,
        t.gen_ms
    );
    println!("{}", t.raw.trim());
    if let Some(e) = &t.parse_error {
        println!("   ! parse error: {e}");
    }
    for c in &t.calls {
        let mark = if c.ok { "→" } else { "✗" };
        println!(
            "   {mark} {}({}) = {}",
            c.name,
            c.arguments,
            c.output.trim()
        );
    }
    let _ = std::io::stdout().flush();
}

pub fn run(a: AgentArgs) -> Result<(), CliError> {
    let format = parse_format(&a.format)?;
    let reg = registry(&a.tools)?;
    let questions: Vec<(String, Option<String>)> = match (&a.suite, &a.question) {
        (Some(s), _) if s == "basic" => BASIC_SUITE
            .iter()
            .map(|(q, v)| (q.to_string(), Some(v.to_string())))
            .collect(),
        (Some(s), _) => {
            return Err(CliError::usage(format!(
                "--suite {s}: known suites are basic"
            )))
        }
        (None, Some(q)) => vec![(q.clone(), None)],
        (None, None) => return Err(CliError::usage("give a question, or --suite basic")),
    };
    let path = model_path(a.model)?;
    let mut engine = Engine::load(&path, EngineOptions::default())?;
    let lora = load_lora(&mut engine, a.lora.as_deref(), 1.0)?;
    let config = AgentConfig {
        format,
        max_turns: a.max_turns,
        max_tokens: a.max_tokens,
        system: None,
    };
    let mut model = LlamaChat {
        session: engine.session(),
        lora,
        sampling: SamplingParams {
            temperature: 0.0,
            ..SamplingParams::default()
        },
    };
    let mut results: Vec<(Trajectory, Option<String>, bool)> = Vec::new();
    for (q, expected) in questions {
        if !a.json {
            println!("Q: {q}");
        }
        let json = a.json;
        let t = run_agent(&mut model, &reg, &config, &q, &mut |turn| {
            if !json {
                print_turn(turn)
            }
        })?;
        if let Some(p) = &a.trajectory {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| CliError::io(p.display(), &e))?;
            writeln!(f, "{}", t.to_json_line()).map_err(|e| CliError::io(p.display(), &e))?;
        }
        // The code suite's scorer: the final value, not any number inside.
        let pass = expected.as_ref().is_some_and(|v| {
            t.final_answer
                .as_deref()
                .is_some_and(|ans| answer_matches(ans, v, &q))
        });
        if !a.json {
            match (&t.final_answer, &expected) {
                (Some(ans), Some(v)) => println!(
                    "{} expected {v}: {ans}\n",
                    if pass { "PASS" } else { "FAIL" }
                ),
                (None, Some(v)) => println!(
                    "FAIL expected {v}: no answer after {} turns\n",
                    t.turns.len()
                ),
                (Some(ans), None) => println!("answer: {ans}\n"),
                (None, None) => println!("no answer after {} turns\n", t.turns.len()),
            }
        }
        results.push((t, expected, pass));
    }
    if a.json {
        let items: Vec<serde_json::Value> = results
            .iter()
            .map(|(t, e, p)| serde_json::json!({"trajectory": t, "expected": e, "pass": p}))
            .collect();
        return print_json(&items);
    }
    if a.suite.is_some() {
        let passed = results.iter().filter(|r| r.2).count();
        println!("{passed}/{} passed", results.len());
    }
    Ok(())
}
