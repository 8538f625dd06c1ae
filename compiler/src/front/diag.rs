//! Diagnostics: an error or warning with a code, a message in the house
//! style (lowercase, no trailing period, user input in backticks), the span
//! it is about and optional help; rendered with source snippets and carets
//! for a terminal (ariadne) or as JSON with byte offsets, lines and columns.

use std::fmt;

use ariadne::{Config, Label, Report, ReportKind, Source};

use crate::loc::{LineIndex, Span};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The policy is refused.
    Error,
    /// The policy is accepted, but probably does not say what was meant.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding about a policy text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    severity: Severity,
    code: &'static str,
    message: String,
    span: Option<Span>,
    label: Option<String>,
    help: Option<String>,
}

impl Diagnostic {
    /// An error with a code such as `duplicate-key`.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: None,
            help: None,
        }
    }

    /// A warning (a lint) with a code such as `unknown-action`.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// The same diagnostic, about `span`.
    #[must_use]
    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    /// The same diagnostic with a label under the caret.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    /// The same diagnostic with advice.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Error or warning.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The stable code naming the class of finding.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The span, when the finding is about a place in the text.
    pub fn span(&self) -> Option<Span> {
        self.span
    }

    /// The label under the caret, if any.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The advice, if any.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// Renders the diagnostic against its source for a terminal: the message,
    /// the file, line and column, a snippet with carets, and the help.
    pub fn render(&self, file: &str, source: &str, color: bool) -> String {
        let kind = match self.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let span = self
            .span
            .map(|s| clamp(s, source))
            .unwrap_or_else(|| Span::new(0, 0));
        let mut report = Report::build(kind, (file, span.range()))
            .with_config(
                Config::default()
                    .with_color(color)
                    .with_char_set(if color {
                        ariadne::CharSet::Unicode
                    } else {
                        ariadne::CharSet::Ascii
                    })
                    .with_index_type(ariadne::IndexType::Byte),
            )
            .with_code(self.code)
            .with_message(&self.message);
        if self.span.is_some() {
            // ariadne draws the carets only under a label with a message.
            let text = self.label.as_deref().unwrap_or(self.code);
            report = report.with_label(Label::new((file, span.range())).with_message(text));
        }
        if let Some(help) = &self.help {
            report = report.with_help(help);
        }
        let mut out = Vec::new();
        let written = report
            .finish()
            .write((file, Source::from(source)), &mut out);
        match written {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            Err(_) => format!("{}: {self}\n", file),
        }
    }

    /// The diagnostic as a JSON object: severity, code, message, file, and
    /// where there is a span its byte offsets and 1-based lines and columns.
    pub fn to_json(&self, file: &str, lines: &LineIndex<'_>) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        object.insert("severity".into(), self.severity.as_str().into());
        object.insert("code".into(), self.code.into());
        object.insert("message".into(), self.message.clone().into());
        object.insert("file".into(), file.into());
        if let Some(span) = self.span {
            let start = lines.line_col(span.start);
            let end = lines.line_col(span.end);
            object.insert(
                "span".into(),
                serde_json::json!({
                    "start": span.start,
                    "end": span.end,
                    "line": start.line,
                    "column": start.column,
                    "end_line": end.line,
                    "end_column": end.column,
                }),
            );
        }
        if let Some(label) = &self.label {
            object.insert("label".into(), label.clone().into());
        }
        if let Some(help) = &self.help {
            object.insert("help".into(), help.clone().into());
        }
        serde_json::Value::Object(object)
    }
}

/// A span inside `source`, on character boundaries.
fn clamp(span: Span, source: &str) -> Span {
    let fix = |mut at: usize| {
        at = at.min(source.len());
        while at > 0 && !source.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let start = fix(span.start);
    Span::new(start, fix(span.end).max(start))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.severity.as_str(),
            self.code,
            self.message
        )?;
        if let Some(span) = self.span {
            write!(f, " (at {span})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_snippet_with_carets_and_help() {
        let source = "{\n  \"Version\": \"2012-10-18\"\n}";
        let d = Diagnostic::error("version", "unsupported policy version `2012-10-18`")
            .at(Span::new(15, 27))
            .with_label("here")
            .with_help("use `2012-10-17`");
        let text = d.render("p.json", source, false);
        assert!(
            text.contains("[version] Error: unsupported policy version"),
            "{text}"
        );
        assert!(text.contains("p.json:2:14"), "{text}");
        assert!(text.contains("^"), "{text}");
        assert!(text.contains("use `2012-10-17`"), "{text}");
        let json = d.to_json("p.json", &LineIndex::new(source));
        assert_eq!(json["span"]["start"], 15);
        assert_eq!(json["span"]["line"], 2);
        assert_eq!(json["span"]["column"], 14);
        assert_eq!(json["severity"], "error");
    }
}
