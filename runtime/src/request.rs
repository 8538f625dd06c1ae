//! A borrowed request: what a sender passes per message, without copying.

use crate::context::ContextKeys;

/// One authorization request, borrowing every string from the caller.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The calling principal's ARN, or an AWS service principal name.
    pub principal: &'a str,
    /// The action, `service:Name`.
    pub action: &'a str,
    /// The resource ARN, or `*`.
    pub resource: &'a str,
    /// Context keys and their values.
    pub context: &'a [(&'a str, &'a [&'a str])],
    /// The name of a store policy to use as the session policy.
    pub session_policy: Option<&'a str>,
    /// The context's keys as the sender named them once
    /// ([`crate::Engine::context_keys`]), when `context` borrows its keys
    /// from them (see [`ContextKeys`]): the check then skips resolving
    /// them. Only a hint: any other context is resolved as usual.
    pub keys: Option<&'a ContextKeys>,
}

impl<'a> Request<'a> {
    /// A request with an empty context.
    pub fn new(principal: &'a str, action: &'a str, resource: &'a str) -> Request<'a> {
        Request {
            principal,
            action,
            resource,
            context: &[],
            session_policy: None,
            keys: None,
        }
    }

    /// The values of a context key, compared case-insensitively.
    pub fn values(&self, key: &str) -> Option<&'a [&'a str]> {
        self.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keys_ignore_case() {
        let recipients: &[&str] = &["a@example.com"];
        let context = [("ses:Recipients", recipients)];
        let request = Request {
            context: &context,
            ..Request::new("p", "ses:SendEmail", "*")
        };
        assert_eq!(request.values("SES:recipients"), Some(recipients));
        assert_eq!(request.values("ses:FromAddress"), None);
    }
}
