//! A borrowed request: what a sender passes per message, without copying.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use crate::context::ContextKeys;
use crate::plan::PlanKey;

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
    /// The request's principal, action, resource and session policy as
    /// the sender named them once ([`CallKey`]), when those four fields
    /// borrow its strings ([`CallKey::request`]): the check then finds the
    /// request's plan without hashing or comparing them. Only a hint: any
    /// other request is looked up as usual.
    pub call: Option<&'a CallKey>,
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
            call: None,
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

/// The static half of a request named once: a principal, an action, a
/// resource and a session policy that a sender's code asks about again and
/// again (a tenant's identity, say), so that checks of them skip the work
/// of finding their plan by its strings.
///
/// A request made by [`CallKey::request`] borrows the key's strings and
/// names the key in [`Request::call`]. A check of it sees that its four
/// strings are the key's (the same addresses, which the key owns and the
/// request borrows) and looks its plan up by the key's number, made when
/// the key was made and never given to another key in the process, and by
/// the hash worked out then: no string is hashed or compared. A plan
/// first met under other strings with the same text is compared as usual
/// and then kept under the key's number. Any other request is looked up
/// as usual, so the answer never depends on the key.
///
/// ```
/// use sesame_runtime::{CallKey, Engine, Request, table::Table};
///
/// let engine = Engine::new(Table::default())?;
/// let mut scratch = engine.scratch();
/// // Once per tenant identity:
/// let call = CallKey::new(
///     "arn:aws:iam::111122223333:user/a",
///     "ses:SendEmail",
///     "arn:aws:ses:us-east-1:111122223333:identity/example.com",
///     None,
/// );
/// // Per message:
/// let from: &[&str] = &["news@example.com"];
/// let context = [("ses:FromAddress", from)];
/// let request = Request {
///     context: &context,
///     ..call.request()
/// };
/// let decision = engine.check(&mut scratch, &request)?;
/// assert_eq!(decision.outcome, sesame_runtime::Outcome::ImplicitDeny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct CallKey {
    /// Never 0, never another key's (a clone keeps it, with the same text).
    id: u64,
    hash: u64,
    principal: Box<str>,
    action: Box<str>,
    resource: Box<str>,
    session_policy: Option<Box<str>>,
}

/// The next key's number.
static NEXT_CALL_ID: AtomicU64 = AtomicU64::new(1);

impl CallKey {
    /// The key of a principal, an action, a resource and an optional
    /// session policy (the name of a store policy), as [`Request`]'s
    /// fields of the same names.
    pub fn new(
        principal: &str,
        action: &str,
        resource: &str,
        session_policy: Option<&str>,
    ) -> CallKey {
        let hash = PlanKey {
            principal,
            action,
            resource,
            session: session_policy,
        }
        .digest();
        CallKey {
            id: NEXT_CALL_ID.fetch_add(1, Relaxed),
            hash,
            principal: principal.into(),
            action: action.into(),
            resource: resource.into(),
            session_policy: session_policy.map(Box::from),
        }
    }

    /// A request of these four strings, naming this key, with an empty
    /// context.
    pub fn request(&self) -> Request<'_> {
        Request {
            principal: &self.principal,
            action: &self.action,
            resource: &self.resource,
            context: &[],
            session_policy: self.session_policy.as_deref(),
            keys: None,
            call: Some(self),
        }
    }

    /// The principal.
    pub fn principal(&self) -> &str {
        &self.principal
    }

    /// The action.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The session policy's name, if any.
    pub fn session_policy(&self) -> Option<&str> {
        self.session_policy.as_deref()
    }

    /// The key's number and hash, when `request`'s four strings are this
    /// key's own text (compared by address and length).
    #[inline(always)]
    pub(crate) fn named(&self, request: &Request<'_>) -> Option<(u64, u64)> {
        let same = |a: &str, b: &str| std::ptr::eq(a, b);
        let session = match (&self.session_policy, request.session_policy) {
            (Some(a), Some(b)) => same(a, b),
            (None, None) => true,
            _ => false,
        };
        (same(&self.principal, request.principal)
            & same(&self.action, request.action)
            & same(&self.resource, request.resource)
            & session)
            .then_some((self.id, self.hash))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sender's threads share their call keys (each thread's scratch
    /// keeps its own plans under the keys' numbers).
    #[test]
    fn call_keys_are_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<CallKey>();
        let key = CallKey::new("p", "ses:SendEmail", "*", Some("s"));
        let other = CallKey::new("p", "ses:SendEmail", "*", Some("s"));
        assert_ne!(key.id, other.id, "two keys share a number");
        assert_eq!(key.hash, other.hash);
        assert_eq!(key.clone().id, key.id);
        let request = key.request();
        assert_eq!(key.named(&request), Some((key.id, key.hash)));
        assert_eq!(other.named(&request), None, "another key's strings taken");
        let copies = Request {
            session_policy: Some("s"),
            ..Request::new("p", "ses:SendEmail", "*")
        };
        assert_eq!(key.named(&copies), None, "copies of the strings taken");
        let unsessioned = Request {
            session_policy: None,
            ..request
        };
        assert_eq!(key.named(&unsessioned), None, "the session left out");
    }

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
