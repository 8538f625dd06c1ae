//! The conformance corpus format (`spec/corpus/*.json`; see its README).
//!
//! Each file holds one store and the cases run against it, plus optional
//! policy documents that every reader must refuse:
//!
//! ```json
//! {
//!   "description": "what the file pins",
//!   "source": "default source for its cases",
//!   "store": { "policies": {}, "principals": {}, "resources": {}, "accounts": {} },
//!   "cases": [
//!     { "name": "tenant sends from its own identity",
//!       "source": "seed 000; IAM User Guide, Policy evaluation logic",
//!       "request": { "principal": "...", "action": "...", "resource": "..." },
//!       "decision": "Allow",
//!       "statements": [ { "layer": "identity", "policy": "P", "index": 0, "sid": "S" } ],
//!       "layer": "identity",
//!       "message": "exact message, optional" }
//!   ],
//!   "rejects": [
//!     { "name": "...", "source": "...", "policy_text": "{...}", "error": "exact message" }
//!   ]
//! }
//! ```
//!
//! The corpus is the same for every engine: the spec evaluator runs it here,
//! the compiler and runtime run it in their differential tests, through
//! [`CorpusFile`] and [`Expected::check`].

use std::path::{Path, PathBuf};

use crate::decision::{Decision, Outcome, StatementRef};
use crate::error::ReadError;
use crate::json::Json;
use crate::request::Request;
use crate::store::{Layer, Store};

/// One corpus file, read.
#[derive(Clone, Debug)]
pub struct CorpusFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The store's JSON, for engines that build their own store.
    pub store_json: Json,
    /// The store, read by the spec.
    pub store: Store,
    /// The decision cases.
    pub cases: Vec<Case>,
    /// Documents every reader must refuse.
    pub rejects: Vec<Reject>,
}

/// One request with its expected answer.
#[derive(Clone, Debug)]
pub struct Case {
    /// A short name, unique in its file.
    pub name: String,
    /// Where the expectation comes from.
    pub source: String,
    /// The request.
    pub request: Request,
    /// The expected answer.
    pub expected: Expected,
}

/// What a case expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A decision, with its statements and, for implicit denies, the layer.
    Decision {
        /// The decision.
        decision: Decision,
        /// The exact message, where the case pins it.
        message: Option<String>,
    },
    /// The request is refused with an error containing this text.
    Error(String),
}

/// A policy document every reader must refuse.
#[derive(Clone, Debug)]
pub struct Reject {
    /// A short name.
    pub name: String,
    /// Where the expectation comes from.
    pub source: String,
    /// The document's text.
    pub policy_text: String,
    /// The spec reader's exact error message.
    pub error: String,
}

impl Expected {
    /// Compares an engine's answer with the expectation; `Err` describes the
    /// difference.
    ///
    /// # Errors
    ///
    /// A description of the disagreement.
    pub fn check(
        &self,
        request: &Request,
        answer: &Result<Decision, ReadError>,
    ) -> Result<(), String> {
        match (self, answer) {
            (Expected::Decision { decision, message }, Ok(got)) => {
                if decision != got {
                    return Err(format!(
                        "expected {}, got {}",
                        describe(decision),
                        describe(got)
                    ));
                }
                if let Some(message) = message {
                    let got_message = got.message(request);
                    if *message != got_message {
                        return Err(format!(
                            "expected message\n    {message}\ngot\n    {got_message}"
                        ));
                    }
                }
                Ok(())
            }
            (Expected::Error(text), Err(e)) => {
                if e.to_string().contains(text.as_str()) {
                    Ok(())
                } else {
                    Err(format!("expected an error containing `{text}`, got `{e}`"))
                }
            }
            (Expected::Decision { decision, .. }, Err(e)) => {
                Err(format!("expected {}, got error `{e}`", describe(decision)))
            }
            (Expected::Error(text), Ok(got)) => Err(format!(
                "expected an error containing `{text}`, got {}",
                describe(got)
            )),
        }
    }
}

/// A one-line description of a decision, for test failures.
pub fn describe(decision: &Decision) -> String {
    let statements: Vec<String> = decision
        .statements
        .iter()
        .map(|s| {
            format!(
                "{}:{}[{}]{}",
                s.layer.as_str(),
                s.policy,
                s.index,
                s.sid.as_ref().map(|s| format!("({s})")).unwrap_or_default()
            )
        })
        .collect();
    let layer = decision
        .layer
        .map(|l| format!(" layer={}", l.as_str()))
        .unwrap_or_default();
    format!("{}{layer} [{}]", decision.outcome, statements.join(", "))
}

/// Reads every `*.json` file in a folder (sorted by name).
///
/// # Errors
///
/// A [`ReadError`] naming the file and place.
pub fn load_dir(dir: &Path) -> Result<Vec<CorpusFile>, ReadError> {
    let shown = dir.display().to_string();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ReadError::new(&shown, format!("cannot read the folder: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load_file(p)).collect()
}

/// Reads one corpus file.
///
/// # Errors
///
/// A [`ReadError`] naming the file and place.
pub fn load_file(path: &Path) -> Result<CorpusFile, ReadError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ReadError::new(&shown, format!("cannot read: {e}")))?;
    read_file(path, &text).map_err(|e| e.within(shown))
}

fn read_file(path: &Path, text: &str) -> Result<CorpusFile, ReadError> {
    let json = Json::parse(text).map_err(|e| ReadError::new("", e.to_string()))?;
    let Json::Object(entries) = &json else {
        return Err(ReadError::new("", "a corpus file must be an object"));
    };
    let field = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    for (key, _) in entries {
        if !matches!(
            key.as_str(),
            "description" | "source" | "store" | "cases" | "rejects"
        ) {
            return Err(ReadError::new(key, format!("unknown corpus field `{key}`")));
        }
    }
    let default_source = match field("source") {
        Some(Json::String(s)) => Some(s.clone()),
        _ => None,
    };
    let store_json = field("store").cloned().unwrap_or(Json::Object(Vec::new()));
    let store = Store::from_json(&store_json, path.parent()).map_err(|e| e.within("store"))?;
    let mut cases = Vec::new();
    if let Some(Json::Array(items)) = field("cases") {
        for (i, item) in items.iter().enumerate() {
            cases.push(
                read_case(item, default_source.as_deref())
                    .map_err(|e| e.within(format!("cases[{i}]")))?,
            );
        }
    }
    let mut rejects = Vec::new();
    if let Some(Json::Array(items)) = field("rejects") {
        for (i, item) in items.iter().enumerate() {
            rejects.push(
                read_reject(item, default_source.as_deref())
                    .map_err(|e| e.within(format!("rejects[{i}]")))?,
            );
        }
    }
    Ok(CorpusFile {
        path: path.to_owned(),
        store_json,
        store,
        cases,
        rejects,
    })
}

fn get<'a>(entries: &'a [(String, Json)], name: &str) -> Option<&'a Json> {
    entries.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn text_field(entries: &[(String, Json)], name: &str) -> Result<Option<String>, ReadError> {
    match get(entries, name) {
        None => Ok(None),
        Some(Json::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ReadError::new(
            name,
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

fn source(entries: &[(String, Json)], default: Option<&str>) -> Result<String, ReadError> {
    text_field(entries, "source")?
        .or_else(|| default.map(str::to_owned))
        .ok_or_else(|| ReadError::new("", "every case needs a `source`"))
}

fn read_case(item: &Json, default_source: Option<&str>) -> Result<Case, ReadError> {
    let Json::Object(entries) = item else {
        return Err(ReadError::new("", "a case must be an object"));
    };
    for (key, _) in entries {
        if !matches!(
            key.as_str(),
            "name"
                | "source"
                | "request"
                | "decision"
                | "statements"
                | "layer"
                | "message"
                | "error"
        ) {
            return Err(ReadError::new(key, format!("unknown case field `{key}`")));
        }
    }
    let name = text_field(entries, "name")?.ok_or_else(|| ReadError::new("", "missing `name`"))?;
    let source = source(entries, default_source)?;
    let request = Request::from_json(
        get(entries, "request").ok_or_else(|| ReadError::new("", "missing `request`"))?,
    )
    .map_err(|e| e.within("request"))?;
    let expected = if let Some(error) = text_field(entries, "error")? {
        Expected::Error(error)
    } else {
        let decision_name = text_field(entries, "decision")?
            .ok_or_else(|| ReadError::new("", "missing `decision` (or `error`)"))?;
        let outcome = Outcome::from_name(&decision_name).ok_or_else(|| {
            ReadError::new("decision", format!("unknown decision `{decision_name}`"))
        })?;
        let layer = match text_field(entries, "layer")? {
            Some(l) => Some(
                Layer::from_name(&l)
                    .ok_or_else(|| ReadError::new("layer", format!("unknown layer `{l}`")))?,
            ),
            None => None,
        };
        if (outcome == Outcome::ImplicitDeny) != layer.is_some() {
            return Err(ReadError::new(
                "layer",
                "`layer` is required for ImplicitDeny and only there",
            ));
        }
        let statements = match get(entries, "statements") {
            None => Vec::new(),
            Some(Json::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    read_statement_ref(s).map_err(|e| e.within(format!("statements[{i}]")))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(ReadError::new("statements", "expected an array")),
        };
        Expected::Decision {
            decision: Decision {
                outcome,
                statements,
                layer,
            },
            message: text_field(entries, "message")?,
        }
    };
    Ok(Case {
        name,
        source,
        request,
        expected,
    })
}

fn read_statement_ref(item: &Json) -> Result<StatementRef, ReadError> {
    let Json::Object(entries) = item else {
        return Err(ReadError::new(
            "",
            "a statement reference must be an object",
        ));
    };
    let layer_name =
        text_field(entries, "layer")?.ok_or_else(|| ReadError::new("", "missing `layer`"))?;
    let layer = Layer::from_name(&layer_name)
        .ok_or_else(|| ReadError::new("layer", format!("unknown layer `{layer_name}`")))?;
    let policy =
        text_field(entries, "policy")?.ok_or_else(|| ReadError::new("", "missing `policy`"))?;
    let index = match get(entries, "index") {
        Some(Json::Number(n)) => n
            .parse()
            .map_err(|_| ReadError::new("index", "expected a whole number"))?,
        _ => return Err(ReadError::new("index", "expected a whole number")),
    };
    Ok(StatementRef {
        layer,
        policy,
        index,
        sid: text_field(entries, "sid")?,
    })
}

fn read_reject(item: &Json, default_source: Option<&str>) -> Result<Reject, ReadError> {
    let Json::Object(entries) = item else {
        return Err(ReadError::new("", "a reject must be an object"));
    };
    Ok(Reject {
        name: text_field(entries, "name")?.ok_or_else(|| ReadError::new("", "missing `name`"))?,
        source: source(entries, default_source)?,
        policy_text: text_field(entries, "policy_text")?
            .ok_or_else(|| ReadError::new("", "missing `policy_text`"))?,
        error: text_field(entries, "error")?
            .ok_or_else(|| ReadError::new("", "missing `error`"))?,
    })
}
