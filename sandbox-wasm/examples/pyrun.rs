//! Run a Python file (or stdin) in the sandbox and print the Outcome as JSON.
//! `cargo run -p sandbox --example pyrun -- file.py`
use std::io::Read;

fn main() {
    let mut src = String::new();
    match std::env::args().nth(1) {
        Some(p) => {
            src = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {}", p, e))
        }
        None => {
            let _ = std::io::stdin().read_to_string(&mut src);
        }
    }
    let sb = sandbox::Sandbox::new().expect("guest compiles");
    let out = sb.run(&src, &sandbox::Limits::default());
    print!("{}", out.stdout);
    println!("{}", serde_json::to_string(&out).unwrap_or_default());
}
