//! wasmi embedding: one compiled `Module`, a fresh `Store` + instance per run.

use crate::limits::{INITIAL_VALUE_STACK, MAX_VALUE_STACK, MAX_WASM_CALL_DEPTH};
use crate::{Error, Limit, Limits, Outcome, PyError, TRUNCATION_MARKER};
use std::sync::Arc;
use std::time::Instant;
use wasmi::core::TrapCode;
use wasmi::{
    Caller, Config, Engine, Linker, Memory, Module, StackLimits, Store, StoreLimits,
    StoreLimitsBuilder,
};

static GUEST_WASM: &[u8] = include_bytes!("../guest.wasm");

/// Fuel given to read back the output buffer's place after a trap (two
/// tiny exported getters).
const OUTPUT_RECOVERY_FUEL: u64 = 10_000;
/// Most bytes of a guest panic message kept.
const MAX_PANIC_MESSAGE_BYTES: usize = 4096;

struct HostState {
    limits: StoreLimits,
    oom: bool,
    /// The run trapped for lack of fuel.
    out_of_fuel: bool,
    panic: Option<String>,
}

struct Inner {
    engine: Engine,
    module: Module,
    linker: Linker<HostState>,
}

/// The compiled guest interpreter. Cheap to clone and share across threads.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct GuestOom;
impl std::fmt::Display for GuestOom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "guest out of memory")
    }
}
impl wasmi::core::HostError for GuestOom {}

fn internal(msg: String) -> Option<PyError> {
    Some(PyError {
        kind: "InternalError".into(),
        message: msg,
        line: None,
    })
}

impl Sandbox {
    /// Compile the embedded guest module (once; reuse the `Sandbox`).
    pub fn new() -> Result<Sandbox, Error> {
        let mut config = Config::default();
        config.consume_fuel(true);
        let stack = StackLimits::new(INITIAL_VALUE_STACK, MAX_VALUE_STACK, MAX_WASM_CALL_DEPTH)
            .map_err(|e| Error::Module(e.to_string()))?;
        config.set_stack_limits(stack);
        let engine = Engine::new(&config);
        let module = Module::new(&engine, GUEST_WASM).map_err(|e| Error::Module(e.to_string()))?;
        let mut linker = Linker::<HostState>::new(&engine);
        linker
            .func_wrap(
                "env",
                "host_oom",
                |mut caller: Caller<'_, HostState>, _size: u32| -> Result<(), wasmi::Error> {
                    caller.data_mut().oom = true;
                    Err(wasmi::Error::host(GuestOom))
                },
            )
            .map_err(|e| Error::Module(e.to_string()))?;
        linker
            .func_wrap(
                "env",
                "host_panic",
                |mut caller: Caller<'_, HostState>,
                 ptr: u32,
                 len: u32|
                 -> Result<(), wasmi::Error> {
                    let mut buf = vec![0u8; (len as usize).min(MAX_PANIC_MESSAGE_BYTES)];
                    if let Some(mem) = caller.get_export("memory").and_then(|e| e.into_memory()) {
                        let _ = mem.read(&caller, ptr as usize, &mut buf);
                    }
                    caller.data_mut().panic = Some(String::from_utf8_lossy(&buf).into_owned());
                    Err(wasmi::Error::new("guest panicked"))
                },
            )
            .map_err(|e| Error::Module(e.to_string()))?;
        Ok(Sandbox {
            inner: Arc::new(Inner {
                engine,
                module,
                linker,
            }),
        })
    }

    /// Run `code` in a fresh instance under `limits`. Never panics.
    pub fn run(&self, code: &str, limits: &Limits) -> Outcome {
        let start = Instant::now();
        let mut out = Outcome {
            stdout: String::new(),
            error: None,
            fuel_used: 0,
            wall_time: Default::default(),
            peak_memory: 0,
            truncated: false,
            stopped_by: None,
        };
        let state = HostState {
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(1)
                .memories(1)
                .build(),
            oom: false,
            out_of_fuel: false,
            panic: None,
        };
        let mut store = Store::new(&self.inner.engine, state);
        store.limiter(|s| &mut s.limits);
        let _ = store.set_fuel(limits.fuel);
        let mem = self.execute(&mut store, code, limits, &mut out);
        out.fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
        if let Some(m) = mem {
            out.peak_memory = m.data_size(&store);
        }
        if out.truncated {
            out.stdout.push_str(TRUNCATION_MARKER);
        }
        out.stopped_by = stopped_by(&out, store.data());
        out.wall_time = start.elapsed();
        out
    }

    fn execute(
        &self,
        store: &mut Store<HostState>,
        code: &str,
        limits: &Limits,
        out: &mut Outcome,
    ) -> Option<Memory> {
        let instance = match self
            .inner
            .linker
            .instantiate(&mut *store, &self.inner.module)
            .and_then(|p| p.start(&mut *store))
        {
            Ok(i) => i,
            Err(e) => {
                // the initial memory alone exceeds the limit
                out.error = Some(PyError {
                    kind: "MemoryError".into(),
                    message: format!("sandbox memory limit too small: {}", e),
                    line: None,
                });
                return None;
            }
        };
        let memory = instance.get_memory(&*store, "memory")?;
        let funcs = (
            instance.get_typed_func::<u32, u32>(&*store, "sandbox_alloc"),
            instance.get_typed_func::<(u32, u32, u32, u32, u32), u32>(&*store, "sandbox_run"),
        );
        let (alloc, run) = match funcs {
            (Ok(a), Ok(r)) => (a, r),
            _ => {
                out.error = internal("guest module lacks sandbox_alloc/sandbox_run".into());
                return Some(memory);
            }
        };
        let len = code.len().min(u32::MAX as usize) as u32;
        let clamp = |v: usize| v.min(u32::MAX as usize) as u32;
        let result = alloc.call(&mut *store, len).and_then(|ptr| {
            memory
                .write(&mut *store, ptr as usize, &code.as_bytes()[..len as usize])
                .map_err(|e| wasmi::Error::new(e.to_string()))?;
            run.call(
                &mut *store,
                (
                    ptr,
                    len,
                    clamp(limits.output_bytes),
                    limits.recursion_depth,
                    clamp(limits.memory_bytes),
                ),
            )
        });
        match result {
            Ok(ptr) => decode_result(store, memory, ptr, out),
            Err(e) => {
                store.data_mut().out_of_fuel = e.as_trap_code() == Some(TrapCode::OutOfFuel);
                out.stdout = partial_output(store, &instance, memory);
                out.error = Some(trap_to_error(store.data(), &e));
            }
        }
        Some(memory)
    }
}

/// Which limit ended the run: the output limit (the guest stops the
/// program there without an error), or the error the fuel or memory limit
/// raised.
fn stopped_by(out: &Outcome, state: &HostState) -> Option<Limit> {
    match out.error.as_ref().map(|e| e.kind.as_str()) {
        None if out.truncated => Some(Limit::Output),
        _ if state.oom => Some(Limit::Memory),
        Some("MemoryError") => Some(Limit::Memory),
        Some(_) if state.out_of_fuel && state.panic.is_none() => Some(Limit::Fuel),
        _ => None,
    }
}

fn trap_to_error(state: &HostState, e: &wasmi::Error) -> PyError {
    let (kind, message) = if state.oom {
        ("MemoryError", "sandbox memory limit exceeded".to_string())
    } else if let Some(p) = &state.panic {
        ("InternalError", format!("interpreter panic: {}", p))
    } else {
        match e.as_trap_code() {
            Some(TrapCode::OutOfFuel) => (
                "TimeoutError",
                "execution limit exceeded (fuel exhausted)".to_string(),
            ),
            Some(TrapCode::StackOverflow) | Some(TrapCode::MemoryOutOfBounds) => (
                "RecursionError",
                "maximum recursion depth exceeded (sandbox stack exhausted)".to_string(),
            ),
            _ => ("InternalError", format!("guest trap: {}", e)),
        }
    };
    PyError {
        kind: kind.into(),
        message,
        line: None,
    }
}

/// Output printed before a trap, recovered from the guest's published buffer.
fn partial_output(
    store: &mut Store<HostState>,
    instance: &wasmi::Instance,
    memory: Memory,
) -> String {
    let _ = store.set_fuel(OUTPUT_RECOVERY_FUEL);
    let get = |store: &mut Store<HostState>, name: &str| -> Option<u32> {
        instance
            .get_typed_func::<(), u32>(&*store, name)
            .ok()?
            .call(&mut *store, ())
            .ok()
    };
    let (ptr, len) = match (
        get(store, "sandbox_output_ptr"),
        get(store, "sandbox_output_len"),
    ) {
        (Some(p), Some(l)) => (p, l),
        _ => return String::new(),
    };
    let mut buf = vec![0u8; len as usize];
    match memory.read(&*store, ptr as usize, &mut buf) {
        Ok(()) => String::from_utf8_lossy(&buf).into_owned(),
        Err(_) => String::new(),
    }
}

fn read_u32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn decode_result(store: &Store<HostState>, memory: Memory, ptr: u32, out: &mut Outcome) {
    let data = memory.data(store);
    let parsed = (|| {
        let start = ptr as usize;
        let total = read_u32(data, start)? as usize;
        let p = data.get(start + 4..start + 4 + total)?;
        let flags = *p.first()?;
        let mut at = 1;
        let mut field = || -> Option<String> {
            let n = read_u32(p, at)? as usize;
            let s = String::from_utf8_lossy(p.get(at + 4..at + 4 + n)?).into_owned();
            at += 4 + n;
            Some(s)
        };
        let stdout = field()?;
        let kind = field()?;
        let message = field()?;
        let line = read_u32(p, at)?;
        Some((flags, stdout, kind, message, line))
    })();
    match parsed {
        Some((flags, stdout, kind, message, line)) => {
            out.stdout = stdout;
            out.truncated = flags & 2 != 0;
            if flags & 1 != 0 {
                out.error = Some(PyError {
                    kind,
                    message,
                    line: if line == 0 { None } else { Some(line) },
                });
            }
        }
        None => out.error = internal("malformed result from guest".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopped(code: &str, limits: Limits) -> Option<Limit> {
        let sb = Sandbox::new().expect("guest module compiles");
        sb.run(code, &limits).stopped_by
    }

    #[test]
    fn the_limit_that_stopped_a_run_is_named() {
        let small = Limits {
            fuel: 5_000_000,
            memory_bytes: 32 << 20,
            ..Limits::default()
        };
        assert_eq!(
            stopped("while True: print('x' * 1000)", Limits::default()),
            Some(Limit::Output)
        );
        assert_eq!(stopped("while True: pass", small), Some(Limit::Fuel));
        assert_eq!(stopped("x = 'a' * (1 << 40)", small), Some(Limit::Memory));
        assert_eq!(stopped("x = [0] * 100", small), None);
        // A program's own error, even one named like a limit, is not a limit.
        assert_eq!(stopped("1/0", small), None);
        assert_eq!(stopped("raise TimeoutError('mine')", small), None);
    }
}
