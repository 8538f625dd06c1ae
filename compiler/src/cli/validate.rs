//! `sesame validate`: diagnostics for policy files or a whole store.
//!
//! A file is a store when it is a JSON object with any of the store sections
//! (`policies`, `principals`, `resources`, `accounts`) and no `Statement`;
//! otherwise it is one policy. A store's policies are checked against every
//! place the store attaches them: identity policies and boundaries under
//! `principals`, resource policies under `resources` (an SES identity ARN
//! makes them sending-authorization policies, a KMS key ARN key policies, a
//! Secrets Manager ARN secret policies, an S3 bucket ARN bucket policies),
//! SCPs and RCPs under `accounts`. A loose policy file is checked as the
//! `--type` given, or for grammar, shapes and lints only.
//!
//! Exit codes: 0 when nothing is wrong (warnings allowed unless
//! `--deny-warnings`), 1 when some policy has errors, 2 when the input is
//! unusable (a file that cannot be read, a store that is not a store).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::front::check::{
    PolicyType, SES_POLICIES_PER_IDENTITY, Target, check_policy, check_ses_policy_name,
    check_untyped,
};
use crate::front::json::{self, Kind, Member, Value};
use crate::front::{Diagnostic, Limits, lint_policy, read, read_value};
use crate::loc::{LineIndex, Span};

/// What `sesame validate` was asked to do.
#[derive(Clone, Debug)]
pub struct ValidateArgs {
    /// Policy files or store files.
    pub paths: Vec<PathBuf>,
    /// The type of loose policy files.
    pub ty: Option<PolicyType>,
    /// Print diagnostics as one JSON document instead of rendered text.
    pub json: bool,
    /// Treat warnings as errors for the exit code.
    pub deny_warnings: bool,
    /// Color the rendered diagnostics.
    pub color: bool,
}

/// One file's text and what was found in it.
#[derive(Debug)]
pub struct FileReport {
    /// The file as named on the command line (or a store policy's path).
    pub file: String,
    /// Its text.
    pub source: String,
    /// The findings, in order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many policies the file held.
    pub policies: usize,
}

/// Validates every path; `Err` for unusable input.
///
/// # Errors
///
/// A message naming the file that cannot be read or is not a store.
pub fn validate_paths(args: &ValidateArgs) -> Result<Vec<FileReport>, String> {
    let mut reports = Vec::new();
    for path in &args.paths {
        let shown = path.display().to_string();
        let source =
            std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
        let value = json::parse(&source).ok();
        if let Some(value) = value.as_ref().filter(|v| is_store(v)) {
            if args.ty.is_some() {
                return Err(format!(
                    "{shown}: `--type` is for loose policy files; a store decides each policy's type from where it attaches it"
                ));
            }
            reports.extend(validate_store(&shown, path, &source, value)?);
        } else {
            reports.push(validate_loose(shown, source, args.ty));
        }
    }
    Ok(reports)
}

fn is_store(value: &Value) -> bool {
    let Kind::Object(members) = &value.kind else {
        return false;
    };
    let section = |k: &str| matches!(k, "policies" | "principals" | "resources" | "accounts");
    members.iter().any(|m| section(&m.key)) && !members.iter().any(|m| m.key == "Statement")
}

/// One loose policy file.
pub fn validate_loose(file: String, source: String, ty: Option<PolicyType>) -> FileReport {
    let diagnostics = match read(&source, &Limits::default()) {
        Err(errors) => errors,
        Ok(parsed) => {
            let mut out = match ty {
                Some(ty) => check_policy(&source, &parsed, Target { ty, resource: None }),
                None => check_untyped(&parsed),
            };
            if ty == Some(PolicyType::SesSending) {
                let stem = Path::new(&file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.extend(check_ses_policy_name(&stem));
            }
            out.extend(lint_policy(&parsed));
            out
        }
    };
    FileReport {
        file,
        source,
        diagnostics,
        policies: 1,
    }
}

/// Where a store attaches a policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Attachment {
    ty: TypeKey,
    resource: Option<String>,
}

/// `PolicyType` is not `Ord`; its name is.
type TypeKey = &'static str;

fn type_for_resource(arn: &str) -> PolicyType {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let service = parts.get(2).copied().unwrap_or("");
    let resource = parts.get(5).copied().unwrap_or("");
    match service {
        "ses" if resource.starts_with("identity/") => PolicyType::SesSending,
        "kms" if resource.starts_with("key/") => PolicyType::KeyPolicy,
        "secretsmanager" if resource.starts_with("secret:") => PolicyType::SecretPolicy,
        "s3" if !resource.is_empty() && !resource.contains('/') => PolicyType::BucketPolicy,
        _ => PolicyType::Resource,
    }
}

fn object<'v>(value: &'v Value, what: &str, file: &str) -> Result<&'v [Member], String> {
    match &value.kind {
        Kind::Object(m) => Ok(m),
        _ => Err(format!(
            "{file}: {what} must be an object, found {}",
            value.type_name()
        )),
    }
}

/// The policy names in an array value, with their spans.
fn names<'v>(value: &'v Value, what: &str, file: &str) -> Result<Vec<(&'v str, Span)>, String> {
    let Kind::Array(items) = &value.kind else {
        return Err(format!(
            "{file}: {what} must be an array of policy names, found {}",
            value.type_name()
        ));
    };
    items
        .iter()
        .map(|item| {
            item.as_str().map(|s| (s, item.span)).ok_or_else(|| {
                format!(
                    "{file}: {what} must hold policy names, found {}",
                    item.type_name()
                )
            })
        })
        .collect()
}

fn validate_store(
    file: &str,
    path: &Path,
    source: &str,
    store: &Value,
) -> Result<Vec<FileReport>, String> {
    let mut store_diags = Vec::new();
    let mut policies: Vec<(&Member, Vec<Attachment>)> = Vec::new();
    let mut attachments: Vec<(String, Span, Attachment)> = Vec::new();
    for section in object(store, "the store", file)? {
        match section.key.as_str() {
            "policies" => {
                for m in object(&section.value, "`policies`", file)? {
                    policies.push((m, Vec::new()));
                }
            }
            "principals" => {
                for p in object(&section.value, "`principals`", file)? {
                    for field in object(&p.value, &format!("principal `{}`", p.key), file)? {
                        match field.key.as_str() {
                            "policies" => {
                                for (name, span) in names(&field.value, "`policies`", file)? {
                                    attachments.push((
                                        name.to_owned(),
                                        span,
                                        Attachment {
                                            ty: PolicyType::Identity.as_str(),
                                            resource: None,
                                        },
                                    ));
                                }
                            }
                            "boundary" => {
                                let name = field.value.as_str().ok_or_else(|| {
                                    format!(
                                        "{file}: `boundary` of `{}` must be a policy name",
                                        p.key
                                    )
                                })?;
                                attachments.push((
                                    name.to_owned(),
                                    field.value.span,
                                    Attachment {
                                        ty: PolicyType::Boundary.as_str(),
                                        resource: None,
                                    },
                                ));
                            }
                            _ => {}
                        }
                    }
                }
            }
            "resources" => {
                for r in object(&section.value, "`resources`", file)? {
                    let ty = type_for_resource(&r.key);
                    for field in object(&r.value, &format!("resource `{}`", r.key), file)? {
                        if field.key != "policies" {
                            continue;
                        }
                        let list = names(&field.value, "`policies`", file)?;
                        if ty == PolicyType::SesSending && list.len() > SES_POLICIES_PER_IDENTITY {
                            store_diags.push(
                                Diagnostic::error(
                                    "ses",
                                    format!(
                                        "SES identity `{}` has {} sending-authorization policies; an identity can have at most {SES_POLICIES_PER_IDENTITY}",
                                        r.key,
                                        list.len()
                                    ),
                                )
                                .at(field.value.span),
                            );
                        }
                        for (name, span) in list {
                            attachments.push((
                                name.to_owned(),
                                span,
                                Attachment {
                                    ty: ty.as_str(),
                                    resource: Some(r.key.clone()),
                                },
                            ));
                        }
                    }
                }
            }
            "accounts" => {
                for a in object(&section.value, "`accounts`", file)? {
                    for field in object(&a.value, &format!("account `{}`", a.key), file)? {
                        let ty = match field.key.as_str() {
                            "scps" => PolicyType::Scp,
                            "rcps" => PolicyType::Rcp,
                            _ => continue,
                        };
                        let Kind::Array(levels) = &field.value.kind else {
                            return Err(format!(
                                "{file}: `{}` of account `{}` must be an array of levels",
                                field.key, a.key
                            ));
                        };
                        for level in levels {
                            for (name, span) in names(level, &format!("`{}`", field.key), file)? {
                                attachments.push((
                                    name.to_owned(),
                                    span,
                                    Attachment {
                                        ty: ty.as_str(),
                                        resource: None,
                                    },
                                ));
                            }
                        }
                    }
                }
            }
            other => {
                return Err(format!(
                    "{file}: unknown store section `{other}`; expected `policies`, `principals`, `resources` or `accounts`"
                ));
            }
        }
    }
    for (name, span, attachment) in attachments {
        match policies.iter_mut().find(|(m, _)| m.key == name) {
            Some((_, list)) => {
                if !list.contains(&attachment) {
                    list.push(attachment);
                }
            }
            None => store_diags.push(
                Diagnostic::error(
                    "store",
                    format!("policy `{name}` is not defined under `policies`"),
                )
                .at(span),
            ),
        }
    }
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let mut reports = Vec::new();
    let mut count = 0;
    for (member, targets) in &policies {
        count += 1;
        let mut extra = Vec::new();
        if targets
            .iter()
            .any(|t| t.ty == PolicyType::SesSending.as_str())
        {
            if let Some(d) = check_ses_policy_name(&member.key) {
                extra.push(d.at(member.key_span));
            }
        }
        match &member.value.kind {
            Kind::Object(_) => {
                let text = source.get(member.value.span.range()).unwrap_or("");
                let mut found =
                    check_one(text, targets, |limits| read_value(&member.value, limits));
                store_diags.append(&mut extra);
                store_diags.append(&mut found);
            }
            Kind::String(relative) => {
                store_diags.append(&mut extra);
                let policy_path = base.join(relative);
                let shown = policy_path.display().to_string();
                let text = std::fs::read_to_string(&policy_path).map_err(|e| {
                    format!(
                        "{file}: policy `{}`: cannot read `{relative}`: {e}",
                        member.key
                    )
                })?;
                let diagnostics = check_one(&text, targets, |limits| read(&text, limits));
                reports.push(FileReport {
                    file: shown,
                    source: text,
                    diagnostics,
                    policies: 1,
                });
            }
            _ => store_diags.push(
                Diagnostic::error(
                    "store",
                    format!(
                        "policy `{}` must be a document object or a path, found {}",
                        member.key,
                        member.value.type_name()
                    ),
                )
                .at(member.value.span),
            ),
        }
    }
    reports.insert(
        0,
        FileReport {
            file: file.to_owned(),
            source: source.to_owned(),
            diagnostics: store_diags,
            policies: count - reports.len(),
        },
    );
    Ok(reports)
}

/// Reads one policy and checks it against every place it is attached (or
/// untyped when it is attached nowhere), then lints it once.
fn check_one(
    text: &str,
    targets: &[Attachment],
    read_it: impl Fn(&Limits) -> Result<crate::front::Parsed, Vec<Diagnostic>>,
) -> Vec<Diagnostic> {
    let parsed = match read_it(&Limits::default()) {
        Ok(parsed) => parsed,
        Err(errors) => return errors,
    };
    let mut out: Vec<Diagnostic> = Vec::new();
    if targets.is_empty() {
        out.extend(check_untyped(&parsed));
    }
    for t in targets {
        let Some(ty) = PolicyType::from_name(t.ty) else {
            continue;
        };
        for d in check_policy(
            text,
            &parsed,
            Target {
                ty,
                resource: t.resource.as_deref(),
            },
        ) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
    }
    out.extend(lint_policy(&parsed));
    out
}

/// Runs `sesame validate` and prints its output.
///
/// # Errors
///
/// A message for unusable input (exit code 2).
pub fn run(args: &ValidateArgs) -> Result<ExitCode, String> {
    let reports = validate_paths(args)?;
    let errors: usize = reports
        .iter()
        .map(|r| r.diagnostics.iter().filter(|d| d.is_error()).count())
        .sum();
    let warnings: usize = reports
        .iter()
        .map(|r| r.diagnostics.iter().filter(|d| !d.is_error()).count())
        .sum();
    let policies: usize = reports.iter().map(|r| r.policies).sum();
    if args.json {
        println!("{}", to_json(&reports, errors, warnings, policies));
    } else {
        for r in &reports {
            for d in &r.diagnostics {
                print!("{}", d.render(&r.file, &r.source, args.color));
            }
        }
        eprintln!(
            "validated {policies} {}: {errors} {}, {warnings} {}",
            if policies == 1 { "policy" } else { "policies" },
            if errors == 1 { "error" } else { "errors" },
            if warnings == 1 { "warning" } else { "warnings" },
        );
    }
    Ok(if errors > 0 || (args.deny_warnings && warnings > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The JSON document `sesame validate --json` prints.
pub fn to_json(
    reports: &[FileReport],
    errors: usize,
    warnings: usize,
    policies: usize,
) -> serde_json::Value {
    let mut diagnostics = Vec::new();
    for r in reports {
        let lines = LineIndex::new(&r.source);
        diagnostics.extend(r.diagnostics.iter().map(|d| d.to_json(&r.file, &lines)));
    }
    serde_json::json!({
        "policies": policies,
        "errors": errors,
        "warnings": warnings,
        "diagnostics": diagnostics,
    })
}

/// Reads a `--type` name.
///
/// # Errors
///
/// The names accepted, for an unknown one.
pub fn parse_type(name: &str) -> Result<PolicyType, String> {
    PolicyType::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = PolicyType::ALL.iter().map(|t| t.as_str()).collect();
        format!(
            "unknown policy type `{name}`; expected one of {}",
            names.join(", ")
        )
    })
}
