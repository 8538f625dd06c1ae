//! Plans: everything a check can work out from the principal, the action,
//! the resource and the session policy alone, kept in the caller's
//! [`crate::Scratch`] so that the next request with the same four strings
//! goes straight to its conditions.
//!
//! A plan holds who the caller is (kind, account, role, stored entries),
//! the resource's account and kind, and, for every policy of every layer the
//! request meets, the statements whose action, principal and (fixed)
//! resource patterns match: the only statements whose conditions can still
//! decide. Resource patterns with policy variables depend on the request's
//! context, so their statements stay in the plan and are matched per
//! request. Building a plan is the structural half of a check (a walk over
//! the layers' policies); answering from one is a handful of predicate tests
//! over the plan's own copies of the predicates.
//!
//! The cache is bounded, like the lazy DFA cache of regex-automata's hybrid
//! engine: when it holds its capacity of plans (or its text and statement
//! budgets are spent) it is cleared and refilled, and its vectors keep their
//! capacity, so a warm scratch space never allocates. A capacity of zero
//! keeps no plan: every check builds its plan afresh (the uncached path,
//! which the benches report next to the cached one).

use crate::decision::{CheckError, Layer, Outcome};
use crate::engine::{CallerCode, Kind, Naming};
use crate::hash::hash_str;
use crate::table::{Effect, PredicateCode, ResourceKind, Table};

/// The number of plans a scratch space keeps by default.
pub const DEFAULT_PLANS: usize = 8192;

/// Text bytes and entries a cache may hold per plan of capacity
/// before it is cleared.
const TEXT_PER_PLAN: usize = 256;
const ENTRIES_PER_PLAN: usize = 64;

/// A range in one of the cache's vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One statement that may apply: its action, principal and fixed resource
/// patterns match.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Entry {
    /// The statement id in the table.
    pub(crate) id: u32,
    /// The store policy id (for the decision's hits).
    pub(crate) policy: u32,
    /// Its index in its policy.
    pub(crate) index: u32,
    /// Its condition predicates, in the cache's predicate list.
    pub(crate) preds: Span,
    /// The layer it was met in.
    pub(crate) layer: Layer,
    /// How its principal element names the caller.
    pub(crate) naming: Naming,
    /// Whether its resource patterns need the request (policy variables).
    pub(crate) dynamic: bool,
}

impl Entry {
    /// Whether it applies whatever the request's context: no conditions,
    /// no resource pattern waiting for a variable.
    fn unconditional(&self) -> bool {
        self.preds.start == self.preds.end && !self.dynamic
    }
}

/// The static half of a request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plan {
    hash: u64,
    principal: Span,
    action: Span,
    resource: Span,
    session_name: Option<Span>,
    /// The caller, as ranges of the principal string.
    pub(crate) caller: CallerCode,
    /// The role ARN of a role session, in the cache's text.
    pub(crate) role_arn: Option<Span>,
    /// The caller's stored entry (the role's for a session).
    pub(crate) principal_code: Option<u32>,
    /// The resource's stored entry.
    pub(crate) resource_code: Option<u32>,
    /// The resource's account, in the cache's text.
    pub(crate) resource_account: Option<Span>,
    /// A KMS key, or an IAM role under an `sts:` action.
    pub(crate) resource_policy_required: bool,
    /// Every deny that may apply, in every layer, in order.
    pub(crate) denies: Span,
    /// The SCP levels whose allows depend on the request (each a span of
    /// entries, in the level list); levels with an unconditional allow are
    /// left out.
    pub(crate) scp_levels: Span,
    /// The allows of the resource's policies.
    pub(crate) resource_allows: Span,
    /// The allows of the caller's identity policies.
    pub(crate) identity_allows: Span,
    /// The boundary's allows, when a boundary applies and none of its
    /// allows is unconditional.
    pub(crate) boundary: Option<Span>,
    /// The session policy's allows, likewise.
    pub(crate) session: Option<Span>,
}

/// The plans of one scratch space.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanCache {
    capacity: usize,
    /// Open addressing: 0 is empty, otherwise 1 + a plan index.
    slots: Vec<u32>,
    plans: Vec<Plan>,
    text: String,
    levels: Vec<Span>,
    entries: Vec<Entry>,
    /// Condition predicates of the entries, copied out of the table with
    /// their ids, so a check reads them from the plan (hot) rather than
    /// from a table that may span gigabytes.
    preds: Vec<(u32, PredicateCode)>,
}

/// The four strings that identify a plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PlanKey<'r> {
    pub(crate) principal: &'r str,
    pub(crate) action: &'r str,
    pub(crate) resource: &'r str,
    pub(crate) session: Option<&'r str>,
}

impl PlanKey<'_> {
    /// The key's hash, for [`PlanCache::find`] and [`PlanCache::build`]:
    /// the engine's string hash ([`crate::hash::hash_str`], avalanched, so
    /// the low bits that pick a slot depend on every byte) of each string,
    /// folded in order.
    pub(crate) fn digest(&self) -> u64 {
        let fold = |h: u64, s: &str| (h.rotate_left(23) ^ hash_str(s)).wrapping_mul(FOLD);
        let h = fold(fold(fold(0, self.principal), self.action), self.resource);
        match self.session {
            Some(s) => fold(h ^ 1, s),
            None => h,
        }
    }
}

const FOLD: u64 = 0x9e37_79b9_7f4a_7c15;

impl PlanCache {
    /// A cache keeping up to `capacity` plans (0: none).
    pub(crate) fn new(capacity: usize) -> PlanCache {
        let slots = if capacity == 0 {
            0
        } else {
            (capacity * 2).next_power_of_two()
        };
        PlanCache {
            capacity,
            slots: vec![0; slots],
            ..PlanCache::default()
        }
    }

    /// Forgets every plan (the engine changed), keeping capacity.
    pub(crate) fn clear(&mut self) {
        self.plans.clear();
        self.text.clear();
        self.levels.clear();
        self.entries.clear();
        self.preds.clear();
        self.slots.fill(0);
    }

    fn text(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// A text span of the cache as a string.
    pub(crate) fn str(&self, span: Option<Span>) -> Option<&str> {
        span.map(|s| self.text(s))
    }

    /// The plan for `key`, if kept.
    pub(crate) fn find(&self, key: &PlanKey<'_>, hash: u64) -> Option<Plan> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut i = (hash as usize) & mask;
        loop {
            let slot = *self.slots.get(i)?;
            let index = (slot as usize).checked_sub(1)?;
            let plan = self.plans.get(index)?;
            if plan.hash == hash
                && self.text(plan.principal) == key.principal
                && self.text(plan.action) == key.action
                && self.text(plan.resource) == key.resource
                && plan.session_name.map(|s| self.text(s)) == key.session
            {
                return Some(*plan);
            }
            i = (i + 1) & mask;
        }
    }

    /// Empties the cache if it is full or over budget, keeping capacity.
    fn make_room(&mut self) {
        let full = self.plans.len() >= self.capacity
            || self.text.len() > self.capacity.saturating_mul(TEXT_PER_PLAN)
            || self.entries.len() > self.capacity.saturating_mul(ENTRIES_PER_PLAN);
        if full {
            self.clear();
        }
    }

    fn push_text(&mut self, s: &str) -> Span {
        let start = self.text.len();
        self.text.push_str(s);
        span(start, self.text.len())
    }

    /// Keeps a finished plan under its key (when the cache keeps plans).
    fn insert(&mut self, plan: Plan) -> Plan {
        let index = self.plans.len();
        self.plans.push(plan);
        if let Some(mask) = self.slots.len().checked_sub(1) {
            let mut i = (plan.hash as usize) & mask;
            while let Some(slot) = self.slots.get_mut(i) {
                if *slot == 0 {
                    *slot = u32::try_from(index + 1).unwrap_or(0);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
        plan
    }

    /// The entries of a span.
    pub(crate) fn entries(&self, g: Span) -> &[Entry] {
        self.entries.get(g.range()).unwrap_or(&[])
    }

    /// The predicates of an entry.
    pub(crate) fn preds(&self, e: &Entry) -> &[(u32, PredicateCode)] {
        self.preds.get(e.preds.range()).unwrap_or(&[])
    }

    /// The SCP levels to check.
    pub(crate) fn levels(&self, l: Span) -> &[Span] {
        self.levels.get(l.range()).unwrap_or(&[])
    }
}

fn span(start: usize, end: usize) -> Span {
    Span {
        start: u32::try_from(start).unwrap_or(u32::MAX),
        end: u32::try_from(end).unwrap_or(u32::MAX),
    }
}

/// What the builder needs from the check path: the structural test of a
/// statement (`None` when it cannot apply; otherwise its naming and whether
/// its resource needs the request).
pub(crate) trait Structure {
    fn structural(&mut self, id: usize) -> Option<(Naming, bool)>;
}

/// The static facts the check path worked out for a request, for
/// [`PlanCache::build`] to keep.
pub(crate) struct Facts<'a> {
    pub(crate) caller: CallerCode,
    pub(crate) role_arn: Option<&'a str>,
    pub(crate) principal_code: Option<u32>,
    pub(crate) resource_code: Option<u32>,
    pub(crate) resource_account: Option<&'a str>,
    pub(crate) resource_policy_required: bool,
    pub(crate) session: Option<u32>,
}

impl PlanCache {
    /// Builds and keeps the plan for `key` from `facts`, filtering every
    /// layer's statements through `s`.
    pub(crate) fn build(
        &mut self,
        t: &Table,
        key: &PlanKey<'_>,
        hash: u64,
        facts: &Facts<'_>,
        s: &mut impl Structure,
    ) -> Plan {
        self.make_room();
        let principal = self.push_text(key.principal);
        let action = self.push_text(key.action);
        let resource = self.push_text(key.resource);
        let session_name = key.session.map(|n| self.push_text(n));
        let role_arn = facts.role_arn.map(|r| self.push_text(r));
        let resource_account = facts.resource_account.map(|a| self.push_text(a));

        let kind = facts.caller.kind();
        let caller_account = facts.caller.account_of(key.principal);
        let service = kind == Kind::Service;
        let account_code = |a: Option<&str>| {
            a.and_then(|a| t.account_index.get(&t.text, a))
                .and_then(|i| t.accounts.get(*i as usize))
        };
        let principal_code = facts
            .principal_code
            .and_then(|i| t.principals.get(i as usize));
        let rcp_key = facts.resource_account.or(caller_account);
        let rcp_account = account_code(rcp_key);
        // Service-linked roles (path `/aws-service-role/`) are beyond SCPs;
        // a session's ARN does not carry its role's path, so only stored
        // roles are known to be service-linked.
        let service_linked = match kind {
            Kind::RoleSession => principal_code.is_some_and(|p| p.service_linked),
            Kind::Service => false,
            _ => facts
                .caller
                .resource_of(key.principal)
                .starts_with("role/aws-service-role/"),
        };
        let scp_account = if service || service_linked {
            None
        } else if rcp_key == caller_account {
            rcp_account
        } else {
            account_code(caller_account)
        };

        let resource_policies: &[u32] = facts
            .resource_code
            .and_then(|i| t.resources.get(i as usize))
            .map_or(&[], |r| t.ids(r.policies));
        let identity: &[u32] = principal_code.map_or(&[], |p| t.ids(p.policies));
        let boundary = principal_code.and_then(|p| p.boundary);

        // Denies, layer by layer, as the spec collects them.
        let denies_start = self.entries.len();
        if let Some(a) = rcp_account {
            for level in &a.rcps {
                self.push_entries(t, Layer::Rcp, level, Effect::Deny, s);
            }
        }
        if let Some(a) = scp_account {
            for level in &a.scps {
                self.push_entries(t, Layer::Scp, level, Effect::Deny, s);
            }
        }
        self.push_entries(t, Layer::Resource, resource_policies, Effect::Deny, s);
        self.push_entries(t, Layer::Identity, identity, Effect::Deny, s);
        if let Some(b) = boundary {
            self.push_entries(t, Layer::Boundary, &[b], Effect::Deny, s);
        }
        if let Some(p) = facts.session {
            self.push_entries(t, Layer::Session, &[p], Effect::Deny, s);
        }
        let denies = span(denies_start, self.entries.len());

        // SCP levels whose allows depend on the request.
        let levels_start = self.levels.len();
        if let Some(a) = scp_account {
            for level in &a.scps {
                if let Some(g) = self.must_allow(t, Layer::Scp, level, s) {
                    self.levels.push(g);
                }
            }
        }
        let scp_levels = span(levels_start, self.levels.len());

        let resource_allows =
            self.push_entries(t, Layer::Resource, resource_policies, Effect::Allow, s);
        let identity_allows = self.push_entries(t, Layer::Identity, identity, Effect::Allow, s);
        let boundary = boundary.and_then(|b| self.must_allow(t, Layer::Boundary, &[b], s));
        let session = facts
            .session
            .and_then(|p| self.must_allow(t, Layer::Session, &[p], s));
        let plan = Plan {
            hash,
            principal,
            action,
            resource,
            session_name,
            caller: facts.caller,
            role_arn,
            principal_code: facts.principal_code,
            resource_code: facts.resource_code,
            resource_account,
            resource_policy_required: facts.resource_policy_required,
            denies,
            scp_levels,
            resource_allows,
            identity_allows,
            boundary,
            session,
        };
        self.insert(plan)
    }

    /// Pushes the entries of `effect` among `policies`' statements that
    /// may apply.
    fn push_entries(
        &mut self,
        t: &Table,
        layer: Layer,
        policies: &[u32],
        effect: Effect,
        s: &mut impl Structure,
    ) -> Span {
        let start = self.entries.len();
        for &policy in policies {
            let Some(body) = t
                .policies
                .get(policy as usize)
                .and_then(|p| t.bodies.get(p.body as usize))
            else {
                continue;
            };
            if !(match effect {
                Effect::Allow => body.has_allow,
                Effect::Deny => body.has_deny,
            }) {
                continue;
            }
            let ids = body.first as usize..body.first as usize + body.len as usize;
            for id in ids {
                let Some(st) = t.statements.get(id) else {
                    break;
                };
                if st.effect != effect {
                    continue;
                }
                if let Some((naming, dynamic)) = s.structural(id) {
                    let conditions = t.ids(st.conditions);
                    let first = self.preds.len();
                    self.preds.extend(
                        conditions
                            .iter()
                            .filter_map(|c| t.predicates.get(*c as usize).map(|p| (*c, *p))),
                    );
                    if self.preds.len() - first != conditions.len() {
                        // A dangling predicate id (refused by validation):
                        // the statement can never apply.
                        self.preds.truncate(first);
                        continue;
                    }
                    self.entries.push(Entry {
                        id: u32::try_from(id).unwrap_or(u32::MAX),
                        policy,
                        index: st.index,
                        preds: span(first, self.preds.len()),
                        layer,
                        naming,
                        dynamic,
                    });
                }
            }
        }
        span(start, self.entries.len())
    }

    /// The allows a layer must show, unless one of them is unconditional
    /// (then the layer allows whatever the context, and `None`).
    fn must_allow(
        &mut self,
        t: &Table,
        layer: Layer,
        policies: &[u32],
        s: &mut impl Structure,
    ) -> Option<Span> {
        let preds = self.preds.len();
        let g = self.push_entries(t, layer, policies, Effect::Allow, s);
        if self.entries(g).iter().any(Entry::unconditional) {
            // Nothing to check: drop what was pushed.
            self.entries.truncate(g.start as usize);
            self.preds.truncate(preds);
            return None;
        }
        Some(g)
    }
}

/// Whether the resource's own policy must allow even within the account.
pub(crate) fn resource_policy_required(kind: ResourceKind, lower_action: &str) -> bool {
    match kind {
        ResourceKind::KmsKey => true,
        ResourceKind::IamRole => lower_action.starts_with("sts:"),
        ResourceKind::Other => false,
    }
}

/// The check-time half: whether an entry of the plan applies to this
/// request (its resource patterns with variables and its conditions).
pub(crate) trait Conditions {
    fn holds(&mut self, cache: &PlanCache, e: &Entry) -> bool;
    fn kind(&self) -> Kind;
    fn caller_account(&self) -> Option<&str>;
    fn resource_account(&self) -> Option<&str>;
}

/// Pushes the applying entries of `g` as hits and returns the strongest
/// naming among them.
fn grants(
    ev: &mut impl Conditions,
    cache: &PlanCache,
    g: Span,
    hits: &mut Vec<crate::Hit>,
) -> Option<Naming> {
    let mut best = None;
    for e in cache.entries(g) {
        if ev.holds(cache, e) {
            best = best.max(Some(e.naming));
            hits.push(crate::Hit {
                layer: e.layer,
                policy: e.policy,
                index: e.index,
            });
        }
    }
    best
}

fn any_holds(ev: &mut impl Conditions, cache: &PlanCache, g: Span) -> bool {
    cache.entries(g).iter().any(|e| ev.holds(cache, e))
}

/// The decision, from a plan: explicit denies anywhere, then every SCP
/// level, then the grants (resource and identity policies, the same- and
/// cross-account rules, the key and trust-policy exception), then the
/// boundary and the session policy.
pub(crate) fn decide(
    ev: &mut impl Conditions,
    cache: &PlanCache,
    plan: &Plan,
    hits: &mut Vec<crate::Hit>,
) -> (Outcome, Option<Layer>) {
    let kind = ev.kind();

    // Explicit deny, anywhere.
    for e in cache.entries(plan.denies) {
        if ev.holds(cache, e) {
            let hit = crate::Hit {
                layer: e.layer,
                policy: e.policy,
                index: e.index,
            };
            if !hits.contains(&hit) {
                hits.push(hit);
            }
        }
    }
    if !hits.is_empty() {
        return (Outcome::ExplicitDeny, None);
    }
    // Every SCP level must allow (RCP levels only deny).
    for level in cache.levels(plan.scp_levels) {
        if !any_holds(ev, cache, *level) {
            return (Outcome::ImplicitDeny, Some(Layer::Scp));
        }
    }
    // Grants.
    let strongest = grants(ev, cache, plan.resource_allows, hits);
    let before = hits.len();
    grants(ev, cache, plan.identity_allows, hits);
    let identity_ok = hits.len() > before || kind == Kind::Root;
    if kind == Kind::Service {
        return if strongest.is_some() {
            (Outcome::Allow, None)
        } else {
            (Outcome::ImplicitDeny, Some(Layer::Resource))
        };
    }
    let same_account = match (ev.caller_account(), ev.resource_account()) {
        (Some(p), Some(r)) => p == r,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if same_account && plan.resource_policy_required {
        // A key or trust policy must allow; naming the account delegates to
        // the identity policies.
        match strongest {
            None => return (Outcome::ImplicitDeny, Some(Layer::Resource)),
            Some(Naming::Account) if !identity_ok => {
                return (Outcome::ImplicitDeny, Some(Layer::Identity));
            }
            _ => {}
        }
    }
    if same_account {
        if strongest == Some(Naming::Direct) {
            // Final: no boundary limits it; a session policy still limits a
            // grant to a user ARN, not one to the session ARN itself.
            if !matches!(kind, Kind::RoleSession | Kind::Federated) {
                if let Some(s) = plan.session {
                    if !any_holds(ev, cache, s) {
                        return (Outcome::ImplicitDeny, Some(Layer::Session));
                    }
                }
            }
            return (Outcome::Allow, None);
        }
        if !(identity_ok || strongest == Some(Naming::Broad)) {
            return (Outcome::ImplicitDeny, Some(Layer::Identity));
        }
    } else {
        if strongest.is_none() {
            return (Outcome::ImplicitDeny, Some(Layer::Resource));
        }
        if !identity_ok {
            return (Outcome::ImplicitDeny, Some(Layer::Identity));
        }
    }
    // Boundary and session policy, when present.
    if let Some(b) = plan.boundary {
        if !any_holds(ev, cache, b) {
            return (Outcome::ImplicitDeny, Some(Layer::Boundary));
        }
    }
    if let Some(s) = plan.session {
        if !any_holds(ev, cache, s) {
            return (Outcome::ImplicitDeny, Some(Layer::Session));
        }
    }
    (Outcome::Allow, None)
}

/// The errors a request's session policy can raise, before any plan.
pub(crate) fn session_policy(
    t: &Table,
    principal: &str,
    kind: Kind,
    name: Option<&str>,
) -> Result<Option<u32>, CheckError> {
    let Some(name) = name else { return Ok(None) };
    if !matches!(kind, Kind::RoleSession | Kind::Federated) {
        return Err(CheckError::SessionNotAllowed(principal.to_owned()));
    }
    let id = *t
        .policy_index
        .get(&t.text, name)
        .ok_or_else(|| CheckError::UnknownSessionPolicy(name.to_owned()))?;
    if let Some(err) = t.policies.get(id as usize).and_then(|p| p.session_error) {
        return Err(CheckError::InvalidSessionPolicy {
            policy: name.to_owned(),
            statement: err.statement,
            problem: err.problem,
        });
    }
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store where no statement can apply: plans with empty lists.
    struct Nothing;

    impl Structure for Nothing {
        fn structural(&mut self, _: usize) -> Option<(Naming, bool)> {
            None
        }
    }

    fn facts() -> Facts<'static> {
        Facts {
            caller: CallerCode::of("arn:aws:iam::111122223333:user/a").unwrap(),
            role_arn: None,
            principal_code: None,
            resource_code: None,
            resource_account: None,
            resource_policy_required: false,
            session: None,
        }
    }

    fn key(resource: &str) -> PlanKey<'_> {
        PlanKey {
            principal: "arn:aws:iam::111122223333:user/a",
            action: "ses:SendEmail",
            resource,
            session: None,
        }
    }

    fn build(c: &mut PlanCache, k: &PlanKey<'_>) {
        c.build(&Table::default(), k, k.digest(), &facts(), &mut Nothing);
    }

    fn kept(c: &PlanCache, k: &PlanKey<'_>) -> bool {
        c.find(k, k.digest()).is_some()
    }

    #[test]
    fn plans_are_found_by_all_four_strings_and_cleared_when_full() {
        let mut c = PlanCache::new(2);
        build(&mut c, &key("a"));
        build(&mut c, &key("b"));
        assert!(kept(&c, &key("a")) && kept(&c, &key("b")));
        assert!(!kept(&c, &key("c")));
        assert!(!kept(
            &c,
            &PlanKey {
                session: Some("s"),
                ..key("a")
            }
        ));
        assert!(!kept(
            &c,
            &PlanKey {
                action: "ses:sendemail",
                ..key("a")
            }
        ));
        // Full: the next plan clears the cache first.
        build(&mut c, &key("c"));
        assert!(kept(&c, &key("c")));
        assert!(!kept(&c, &key("a")) && !kept(&c, &key("b")));
    }

    #[test]
    fn a_cache_of_no_plans_keeps_none() {
        let mut c = PlanCache::new(0);
        build(&mut c, &key("a"));
        assert!(!kept(&c, &key("a")));
    }

    #[test]
    fn keys_that_differ_anywhere_hash_apart() {
        let a = key("arn:aws:ses:us-east-1:111122223333:identity/tenant-00001.example");
        let b = key("arn:aws:ses:us-east-1:111122223333:identity/tenant-00002.example");
        assert_ne!(a.digest(), b.digest());
        assert_ne!(
            PlanKey {
                session: Some(""),
                ..a
            }
            .digest(),
            a.digest(),
            "an empty session policy name is not no session policy"
        );
    }
}
