//! Requests: who asks to do what on which resource, in which context.
//!
//! One JSON object per line:
//!
//! ```json
//! {"principal": "arn:aws:iam::111122223333:user/tenant-a", "action": "ses:SendEmail",
//!  "resource": "arn:aws:ses:us-east-1:111122223333:identity/example.com",
//!  "context": {"ses:FromAddress": "news@example.com", "ses:Recipients": ["a@x.org"]},
//!  "session_policy": "OptionalPolicyName"}
//! ```
//!
//! Context values are a string or an array of strings (a number or boolean is
//! read as its string form). Context key names are case-insensitive (IAM User
//! Guide, "IAM JSON policy elements: Condition": "Condition key names are not
//! case-sensitive"), so a context naming one key twice in different case is
//! refused.

use crate::error::ReadError;
use crate::json::Json;

/// One authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The calling principal: an IAM ARN (user, role session, federated user,
    /// `root`) or an AWS service principal name such as `ses.amazonaws.com`.
    pub principal: String,
    /// The action, `service:Name`.
    pub action: String,
    /// The resource ARN, or `*` for actions that take no resource.
    pub resource: String,
    /// The request context, keys as given, in order.
    pub context: Vec<(String, Vec<String>)>,
    /// A store policy to use as the session policy, if any.
    pub session_policy: Option<String>,
}

impl Request {
    /// A request with an empty context and no session policy.
    pub fn new(principal: &str, action: &str, resource: &str) -> Request {
        Request {
            principal: principal.to_owned(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            context: Vec::new(),
            session_policy: None,
        }
    }

    /// Reads a request from one JSON line.
    ///
    /// # Errors
    ///
    /// A [`ReadError`] naming the field.
    pub fn from_json_text(text: &str) -> Result<Request, ReadError> {
        let json = Json::parse(text).map_err(|e| ReadError::new("", e.to_string()))?;
        Request::from_json(&json)
    }

    /// Reads a request from a JSON tree.
    ///
    /// # Errors
    ///
    /// A [`ReadError`] naming the field.
    pub fn from_json(json: &Json) -> Result<Request, ReadError> {
        let Json::Object(entries) = json else {
            return Err(ReadError::new(
                "",
                format!(
                    "a request must be a JSON object, found {}",
                    json.type_name()
                ),
            ));
        };
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut context = Vec::new();
        let mut session_policy = None;
        for (key, value) in entries {
            match key.as_str() {
                "principal" => principal = Some(string(value, key)?),
                "action" => action = Some(string(value, key)?),
                "resource" => resource = Some(string(value, key)?),
                "session_policy" => session_policy = Some(string(value, key)?),
                "context" => context = read_context(value)?,
                other => {
                    return Err(ReadError::new(
                        other,
                        format!(
                            "unknown request field `{other}`; expected `principal`, `action`, `resource`, `context` or `session_policy`"
                        ),
                    ));
                }
            }
        }
        let missing = |name: &str| ReadError::new("", format!("missing required field `{name}`"));
        Ok(Request {
            principal: principal.ok_or_else(|| missing("principal"))?,
            action: action.ok_or_else(|| missing("action"))?,
            resource: resource.ok_or_else(|| missing("resource"))?,
            context,
            session_policy,
        })
    }
}

fn string(value: &Json, place: &str) -> Result<String, ReadError> {
    match value {
        Json::String(s) => Ok(s.clone()),
        other => Err(ReadError::new(
            place,
            format!("expected a string, found {}", other.type_name()),
        )),
    }
}

fn read_context(value: &Json) -> Result<Vec<(String, Vec<String>)>, ReadError> {
    let Json::Object(entries) = value else {
        return Err(ReadError::new(
            "context",
            format!("expected an object, found {}", value.type_name()),
        ));
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in entries {
        let place = format!("context.{key}");
        if out
            .iter()
            .any(|(k, _)| k.to_lowercase() == key.to_lowercase())
        {
            return Err(ReadError::new(
                &place,
                format!("context key `{key}` is given twice (key names are case-insensitive)"),
            ));
        }
        let scalar = |item: &Json, at: &str| {
            item.scalar_text().map(str::to_owned).ok_or_else(|| {
                ReadError::new(
                    at,
                    format!(
                        "a context value must be a string, number or boolean, found {}",
                        item.type_name()
                    ),
                )
            })
        };
        let values = match value {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| scalar(item, &format!("{place}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            other => vec![scalar(other, &place)?],
        };
        out.push((key.clone(), values));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_request_line() {
        let r = Request::from_json_text(
            r#"{"principal":"p","action":"ses:SendEmail","resource":"*",
                "context":{"ses:Recipients":["a","b"],"aws:SecureTransport":true}}"#,
        )
        .unwrap();
        assert_eq!(r.context[0].1, ["a", "b"]);
        assert_eq!(r.context[1].1, ["true"]);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            Request::from_json_text(r#"{"principal":"p","action":1,"resource":"*"}"#)
                .unwrap_err()
                .to_string(),
            "action: expected a string, found a number"
        );
        assert_eq!(
            Request::from_json_text(r#"{"principal":"p","resource":"*"}"#)
                .unwrap_err()
                .to_string(),
            "missing required field `action`"
        );
        assert!(
            Request::from_json_text(
                r#"{"principal":"p","action":"a","resource":"*","context":{"A:b":"1","a:B":"2"}}"#
            )
            .unwrap_err()
            .to_string()
            .starts_with("context.a:B: context key `a:B` is given twice")
        );
    }
}
