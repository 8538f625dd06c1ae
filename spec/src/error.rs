//! The spec's error type: a message and the place it belongs to.

use std::fmt;

/// An error reading a policy, a store or a request, naming the place: a file,
/// a policy name, a JSON path such as `Statement[1].Condition`, or a JSON line
/// and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    place: Vec<String>,
    message: String,
}

impl ReadError {
    /// An error at `place` (empty for "the whole input").
    pub fn new(place: &str, message: impl Into<String>) -> ReadError {
        let place = if place.is_empty() {
            Vec::new()
        } else {
            vec![place.to_owned()]
        };
        ReadError {
            place,
            message: message.into(),
        }
    }

    /// The same error, inside an outer place (a file, a policy name).
    #[must_use]
    pub fn within(mut self, outer: impl Into<String>) -> ReadError {
        self.place.insert(0, outer.into());
        self
    }

    /// The message without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The place, outermost first, joined with `: `.
    pub fn place(&self) -> String {
        self.place.join(": ")
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.place {
            write!(f, "{part}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}
