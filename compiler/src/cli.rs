//! The `sesame` commands.
//!
//! - `sesame check STORE [REQUESTS|-]`: answers a JSONL stream of requests,
//!   one JSON answer per line on stdout, a summary with throughput on stderr,
//!   and a progress bar when stderr is a terminal. `STORE` may also be an
//!   artifact written by `sesame compile`.
//! - `sesame compile STORE -o FILE`: compiles a store into an artifact that
//!   the runtime loads without the compiler.
//! - `sesame explain STORE REQUEST.json`: one request, every statement
//!   considered and why it matched or not, and the message.
//! - `sesame validate FILE... [--type TYPE] [--json] [--deny-warnings]`:
//!   errors and lints for policy files or whole stores, rendered with source
//!   snippets or as JSON ([`validate`]); exit 0 clean, 1 errors, 2 unusable
//!   input.
//! - `sesame bench-gen --workload w1|w2|w3 [--tenants N] [--requests M]
//!   [--seed S] --out DIR`: a seeded benchmark workload as
//!   `DIR/store.json` and `DIR/requests.jsonl` ([`bench_gen`]).
//!
//! Exit codes: 0 when every request was answered, 1 when some request lines
//! were refused (each gets an `{"error": ...}` line and the rest are still
//! answered), 2 when the input is unusable (no store, unreadable file).

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

pub mod bench_gen;
pub mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use sesame_spec::{Outcome, ReadError, Request, Store, evaluate, explain};

/// Sesame: AWS IAM policies compiled to decision tables.
#[derive(Debug, Parser)]
#[command(name = "sesame", version, about, long_about = None)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The engines that can answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Engine {
    /// The compiled decision table (the default once built).
    Compiled,
    /// The reference evaluator of `sesame-spec`: slow, obviously right.
    Spec,
}

/// The `sesame` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a stream of requests (JSON lines) against a policy store.
    Check {
        /// The policy store (`store.json`), or an artifact from `sesame compile`.
        store: PathBuf,
        /// The requests, one JSON object per line; `-` or nothing for stdin.
        requests: Option<PathBuf>,
        /// Which engine answers.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: Engine,
        /// Print only the summary, not an answer per request.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Explain one request: every statement considered, and why.
    Explain {
        /// The policy store (`store.json`).
        store: PathBuf,
        /// The request, a JSON object in a file; `-` for stdin.
        request: PathBuf,
        /// Which engine answers.
        #[arg(long, value_enum, default_value = "compiled")]
        engine: Engine,
    },
    /// Compile a policy store into an artifact for the runtime.
    Compile {
        /// The policy store (`store.json`).
        store: PathBuf,
        /// Where to write the artifact.
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Validate policy files or a whole store: errors and warnings with spans.
    Validate {
        /// Policy files or store files (a store's policies take their types
        /// from where it attaches them).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The type of loose policy files: identity, inline-user,
        /// inline-role, inline-group, aws-managed, boundary, session,
        /// resource, ses-sending, scp, rcp, key, secret, bucket.
        #[arg(long = "type", value_name = "TYPE", value_parser = validate::parse_type)]
        ty: Option<crate::front::PolicyType>,
        /// Print the diagnostics as one JSON document.
        #[arg(long)]
        json: bool,
        /// Exit with 1 when there are warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Write a seeded benchmark workload (W1, W2, W3): DIR/store.json and
    /// DIR/requests.jsonl.
    BenchGen(bench_gen::BenchGenArgs),
}

/// Runs the command line and returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            store,
            requests,
            engine,
            quiet,
        } => check(&store, requests.as_deref(), engine, quiet),
        Command::Explain {
            store,
            request,
            engine,
        } => explain_one(&store, &request, engine),
        Command::Validate {
            paths,
            ty,
            json,
            deny_warnings,
        } => validate::run(&validate::ValidateArgs {
            paths,
            ty,
            json,
            deny_warnings,
            color: io::stdout().is_terminal(),
        }),
        Command::BenchGen(args) => bench_gen::run(&args),
        Command::Compile { store, output } => compile_store(&store, &output),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The compiled engine for `store` when `engine` asks for it.
fn compiled_engine(
    engine: Engine,
    store: &Store,
    steps: &Steps,
) -> Result<Option<sesame_runtime::Engine>, String> {
    match engine {
        Engine::Spec => Ok(None),
        Engine::Compiled => compile_store_shown(store, steps).map(Some),
    }
}

/// `store` compiled, the step shown on `steps`.
fn compile_store_shown(store: &Store, steps: &Steps) -> Result<sesame_runtime::Engine, String> {
    steps.step(|| format!("compiling {} policies", store.policies.len()));
    crate::compile::compile(store).map_err(|e| e.to_string())
}

/// The store at `path`, the step shown on `steps`.
fn load_store(path: &Path, steps: &Steps) -> Result<Store, String> {
    steps.step(|| format!("reading {}", path.display()));
    Store::from_file(path).map_err(|e| e.to_string())
}

/// What answers `sesame check`: the spec over a store, or a compiled engine
/// (from a store or from an artifact).
enum Answerer {
    Spec(Store),
    Compiled(Box<(sesame_runtime::Engine, sesame_runtime::Scratch)>),
}

impl Answerer {
    fn load(path: &Path, engine: Engine) -> Result<Answerer, String> {
        let shown = path.display();
        let steps = Steps::new();
        let mut head = [0u8; 8];
        let is_artifact = File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
            && head == *sesame_runtime::artifact::MAGIC;
        if is_artifact {
            if engine == Engine::Spec {
                return Err(format!(
                    "{shown}: a compiled artifact answers with the compiled engine only; give the store it was compiled from for `--engine spec`"
                ));
            }
            steps.step(|| format!("loading {shown}"));
            let bytes = std::fs::read(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
            let compiled = sesame_runtime::Engine::from_artifact(&bytes).map_err(|e| {
                let hint = if e.is_truncated() {
                    "; the file is incomplete (an interrupted write or copy?): compile the store again"
                } else if e.is_corrupt() || e.is_inconsistent() {
                    "; the file is damaged: compile the store again"
                } else {
                    ""
                };
                format!("{shown}: {e}{hint}")
            })?;
            let scratch = compiled.scratch();
            return Ok(Answerer::Compiled(Box::new((compiled, scratch))));
        }
        let store = load_store(path, &steps)?;
        Ok(match compiled_engine(engine, &store, &steps)? {
            Some(compiled) => {
                let scratch = compiled.scratch();
                Answerer::Compiled(Box::new((compiled, scratch)))
            }
            None => Answerer::Spec(store),
        })
    }

    /// The answer line for one request, or why it was refused.
    fn answer(&mut self, request: &Request) -> Result<serde_json::Value, ReadError> {
        match self {
            Answerer::Spec(store) => evaluate(store, request).map(|d| d.to_json(request)),
            Answerer::Compiled(compiled) => {
                let (engine, scratch) = &mut **compiled;
                let (decision, message) = crate::compile::check_spec(engine, scratch, request)?;
                let mut value = decision.to_json(request);
                if let Some(o) = value.as_object_mut() {
                    o.insert("message".into(), message.into());
                }
                Ok(value)
            }
        }
    }
}

fn compile_store(store_path: &Path, output: &Path) -> Result<ExitCode, String> {
    let started = Instant::now();
    let steps = Steps::new();
    let store = load_store(store_path, &steps)?;
    let compiled = compile_store_shown(&store, &steps)?;
    steps.step(|| format!("writing {}", output.display()));
    let bytes = compiled.to_artifact();
    std::fs::write(output, &bytes)
        .map_err(|e| format!("{}: cannot write: {e}", output.display()))?;
    drop(steps);
    let statements: usize = store.policies.values().map(|p| p.statements.len()).sum();
    eprintln!(
        "compiled {} policies ({statements} statements) into {} ({} bytes) in {:.3} s",
        store.policies.len(),
        output.display(),
        bytes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Counts of answers, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    allow: u64,
    explicit_deny: u64,
    implicit_deny: u64,
    errors: u64,
}

impl Tally {
    fn total(&self) -> u64 {
        self.allow + self.explicit_deny + self.implicit_deny + self.errors
    }
}

fn check(
    store_path: &Path,
    requests: Option<&Path>,
    engine: Engine,
    quiet: bool,
) -> Result<ExitCode, String> {
    let mut answerer = Answerer::load(store_path, engine)?;
    let (reader, label, size): (Box<dyn BufRead>, String, Option<u64>) = match requests {
        None => (Box::new(BufReader::new(io::stdin())), "stdin".into(), None),
        Some(p) if p == Path::new("-") => {
            (Box::new(BufReader::new(io::stdin())), "stdin".into(), None)
        }
        Some(p) => {
            let file = File::open(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?;
            let size = file.metadata().ok().map(|m| m.len());
            (
                Box::new(BufReader::new(file)),
                p.display().to_string(),
                size,
            )
        }
    };
    let progress = progress_bar(size);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut tally = Tally::default();
    let mut busy = Duration::ZERO;
    let started = Instant::now();
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| format!("{label}: line {}: cannot read: {e}", number + 1))?;
        if let Some(bar) = &progress {
            bar.inc(line.len() as u64 + 1);
        }
        if line.trim().is_empty() {
            continue;
        }
        let answer = Request::from_json_text(&line)
            .and_then(|request| {
                let t = Instant::now();
                let value = answerer.answer(&request);
                busy += t.elapsed();
                value
            })
            .map_err(|e: ReadError| e.within(format!("{label}: line {}", number + 1)));
        let value = match answer {
            Ok(value) => {
                match value.get("decision").and_then(|d| d.as_str()) {
                    Some("Allow") => tally.allow += 1,
                    Some("ExplicitDeny") => tally.explicit_deny += 1,
                    _ => tally.implicit_deny += 1,
                }
                value
            }
            Err(e) => {
                tally.errors += 1;
                serde_json::json!({ "error": e.to_string() })
            }
        };
        if !quiet {
            if let Err(e) = writeln!(out, "{value}") {
                // The reader went away (`sesame check ... | head`): stop quietly.
                if e.kind() == io::ErrorKind::BrokenPipe {
                    return Ok(ExitCode::SUCCESS);
                }
                return Err(format!("cannot write the answers: {e}"));
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(format!("cannot write the answers: {e}")),
        Ok(()) => {}
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let wall = started.elapsed();
    let answered = tally.total() - tally.errors;
    let rate = if busy.as_secs_f64() > 0.0 {
        answered as f64 / busy.as_secs_f64()
    } else {
        0.0
    };
    eprintln!(
        "checked {} requests with the {} engine: {} Allow, {} ExplicitDeny, {} ImplicitDeny, {} refused; {:.3} s wall, {:.0} checks/s",
        tally.total(),
        match engine {
            Engine::Spec => "spec",
            Engine::Compiled => "compiled",
        },
        tally.allow,
        tally.explicit_deny,
        tally.implicit_deny,
        tally.errors,
        wall.as_secs_f64(),
        rate
    );
    Ok(if tally.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A spinner naming the step under way (reading a store, compiling it,
/// loading or writing an artifact), on a terminal only: a store of a
/// million tenants takes tens of seconds to read and compile. Cleared when
/// dropped, before the command prints its summary.
struct Steps(Option<indicatif::ProgressBar>);

impl Steps {
    fn new() -> Steps {
        if !io::stderr().is_terminal() {
            return Steps(None);
        }
        let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
        else {
            return Steps(None);
        };
        let bar = indicatif::ProgressBar::new_spinner().with_style(style);
        bar.enable_steady_tick(Duration::from_millis(120));
        Steps(Some(bar))
    }

    /// Shows `what` as the step under way.
    fn step(&self, what: impl FnOnce() -> String) {
        if let Some(bar) = &self.0 {
            bar.set_message(what());
        }
    }
}

impl Drop for Steps {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

fn progress_bar(size: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let size = size?;
    let bar = indicatif::ProgressBar::new(size);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {bar:40} {bytes}/{total_bytes} ({eta} left)",
    )
    .ok()?;
    bar.set_style(style);
    Some(bar)
}

fn explain_one(store_path: &Path, request_path: &Path, engine: Engine) -> Result<ExitCode, String> {
    let steps = Steps::new();
    let store = load_store(store_path, &steps)?;
    let compiled = compiled_engine(engine, &store, &steps)?;
    drop(steps);
    let label = request_path.display().to_string();
    let mut text = String::new();
    if request_path == Path::new("-") {
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("stdin: cannot read: {e}"))?;
    } else {
        text = std::fs::read_to_string(request_path)
            .map_err(|e| format!("{label}: cannot read: {e}"))?;
    }
    let request =
        Request::from_json_text(&text).map_err(|e| e.within(label.clone()).to_string())?;
    let explanation = explain(&store, &request).map_err(|e| e.within(label).to_string())?;
    let mut text = render_explanation(&request, &explanation);
    if let Some(engine) = &compiled {
        use std::fmt::Write as _;
        let mut scratch = engine.scratch();
        match crate::compile::check_spec(engine, &mut scratch, &request) {
            Ok((d, message)) => {
                let _ = writeln!(text, "compiled engine");
                let _ = writeln!(text, "  decision   {}", d.outcome);
                if let Some(layer) = d.layer {
                    let _ = writeln!(text, "  layer      {} (no allow)", layer.as_str());
                }
                for st in &d.statements {
                    let _ = writeln!(
                        text,
                        "  by         [{}] {}#{}",
                        st.layer.as_str(),
                        st.policy,
                        st.index
                    );
                }
                let _ = writeln!(text, "  message    {message}");
                let agrees =
                    d == explanation.decision && message == explanation.decision.message(&request);
                let _ = writeln!(
                    text,
                    "  {}",
                    if agrees {
                        "agrees with the spec"
                    } else {
                        "DISAGREES with the spec"
                    }
                );
            }
            Err(e) => {
                let _ = writeln!(text, "compiled engine\n  error      {e}");
            }
        }
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The text `sesame explain` prints.
pub fn render_explanation(request: &Request, explanation: &sesame_spec::Explanation) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(s, "request");
    let _ = writeln!(s, "  principal  {}", request.principal);
    let _ = writeln!(s, "  action     {}", request.action);
    let _ = writeln!(s, "  resource   {}", request.resource);
    let _ = writeln!(s, "context (derived keys included)");
    for (key, values) in explanation.context.entries() {
        let _ = writeln!(s, "  {key} = {values:?}");
    }
    let _ = writeln!(s, "statements considered");
    if explanation.traces.is_empty() {
        let _ = writeln!(
            s,
            "  none: no policy is attached to this principal, resource or account"
        );
    }
    for t in &explanation.traces {
        let sid = t
            .statement
            .sid
            .as_ref()
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        let verdict = if t.applies() {
            "APPLIES"
        } else {
            "does not apply"
        };
        let place = match t.level {
            Some(level) => format!("{} level {level}", t.statement.layer.as_str()),
            None => t.statement.layer.as_str().to_owned(),
        };
        let _ = writeln!(
            s,
            "  [{place}] {}#{}{} {}: {}",
            t.statement.policy, t.statement.index, sid, t.effect, verdict
        );
        let mark = |b: bool| if b { "match" } else { "no match" };
        let _ = writeln!(s, "      action     {}", mark(t.action));
        let _ = writeln!(s, "      resource   {}", mark(t.resource));
        let principal = match t.principal {
            _ if !t.statement.layer.has_principals() => "n/a (no Principal element)".to_owned(),
            Some(n) => format!("named ({})", format!("{n:?}").to_lowercase()),
            None => "no match".to_owned(),
        };
        let _ = writeln!(s, "      principal  {principal}");
        for (text, held) in &t.conditions {
            let _ = writeln!(
                s,
                "      condition  {text}: {}",
                if *held { "holds" } else { "fails" }
            );
        }
    }
    let d = &explanation.decision;
    let _ = writeln!(s, "decision   {}", d.outcome);
    if d.outcome == Outcome::ImplicitDeny {
        if let Some(layer) = d.layer {
            let _ = writeln!(s, "layer      {} (no allow)", layer.as_str());
        }
    }
    for st in &d.statements {
        let _ = writeln!(
            s,
            "by         [{}] {}#{}",
            st.layer.as_str(),
            st.policy,
            st.index
        );
    }
    let _ = writeln!(s, "message    {}", d.message(request));
    s
}
