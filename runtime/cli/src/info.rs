use argh::FromArgs;

use super::{print_json, CliError};

/// Show the build: version, git commit, CPU feature level, and the SIMD the
/// linked llama.cpp uses (`llama_print_system_info`).
#[derive(FromArgs)]
#[argh(subcommand, name = "info")]
pub struct InfoArgs {
    /// print JSON instead of text
    #[argh(switch)]
    json: bool,
}

pub fn run(a: InfoArgs) -> Result<(), CliError> {
    let info = runtime::build_info();
    if a.json {
        return print_json(&info);
    }
    println!("agentcoder {} (commit {})", info.version, info.git_commit);
    println!("target cpu   {}", info.target_cpu);
    println!(
        "cpu          {} ({} threads)",
        info.cpu_model, info.cpu_threads
    );
    println!("llama.cpp    {}", info.llama_system_info);
    Ok(())
}
