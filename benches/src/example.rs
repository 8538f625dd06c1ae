//! The bundled example: a multi-tenant Amazon SES sending platform.
//!
//! [`generate`] writes `examples/store.json` and `examples/requests.jsonl`
//! from a fixed seed, with no dependency on a random-number crate, so the
//! committed files can be checked against it (`tests/example_up_to_date.rs`)
//! and regenerated with
//! `cargo run -p sesame-benches --example regenerate_examples`.
//!
//! The platform account `111122223333` runs twelve tenants (IAM users and
//! roles, the roles called through `sts` role sessions), each with its own
//! verified identities in SES. Identity policies keep each tenant to its own
//! identities, by ARN or by `aws:ResourceTag/tenant` against
//! `${aws:PrincipalTag/tenant}`; conditions pin `ses:FromAddress`,
//! `ses:Recipients`, `aws:CurrentTime`, `aws:SourceIp` and `ses:ApiVersion`.
//! Shared managed-style policies, a permissions boundary, a session policy,
//! a three-level SCP chain with region and deletion guardrails, and
//! sending-authorization policies for a partner account `444455556666`
//! (cross-account delegate senders, SES Developer Guide "Amazon SES policy
//! anatomy") complete the picture. `examples/README.md` describes each
//! tenant and policy.
//!
//! The request stream mixes allowed sends, explicit denies and implicit
//! denies, roughly 50/20/30, and every policy in the store has a statement
//! that applies to at least one request.

use serde_json::{Value, json};
use sesame_spec::Outcome;

/// The platform's AWS account.
pub const PLATFORM: &str = "111122223333";
/// The partner account whose senders use the platform's identities.
pub const PARTNER: &str = "444455556666";
/// How many request lines [`generate`] writes.
pub const REQUESTS: usize = 3000;
/// The generator's fixed seed.
pub const SEED: u64 = 0x5E5A_3E00_0000_2025;

/// The example's `store.json` text (pretty JSON) and `requests.jsonl` text
/// (one request per line), both ending in a newline.
pub fn generate() -> (String, String) {
    let mut text = String::new();
    write_pretty(&store(), 0, &mut text);
    text.push('\n');
    let mut requests = String::new();
    for (_, line) in lines() {
        requests.push_str(&line.to_line());
        requests.push('\n');
    }
    (text, requests)
}

/// For each line of `requests.jsonl`, the story it tells and the answer it
/// was written to get: `("PartnerRawGlobex", Outcome::ExplicitDeny)`.
pub fn intended_outcomes() -> Vec<(String, Outcome)> {
    lines()
        .into_iter()
        .map(|(scenario, _)| (format!("{scenario:?}"), scenario.intended()))
        .collect()
}

/// The scenario of every request line, and the line.
fn lines() -> Vec<(Scenario, Line)> {
    let mut rng = Rng::new(SEED);
    let table = scenario_table();
    let total: u32 = table.iter().map(|(w, _)| *w).sum();
    let mut out = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let mut roll = rng.below(total as usize) as u32;
        let mut chosen = Scenario::AcmeSend;
        for (weight, scenario) in &table {
            if roll < *weight {
                chosen = *scenario;
                break;
            }
            roll -= weight;
        }
        out.push((chosen, build(chosen, &mut rng)));
    }
    out
}

pub use crate::prng::Rng;

/// Rebuilds every object with its keys inserted in sorted order, so the text
/// is the same whether or not serde_json's `preserve_order` is enabled.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Where a key goes in an object: the order AWS's documentation writes
/// policies in, and the store's own sections; other keys alphabetically
/// after these.
fn key_rank(key: &str) -> usize {
    const ORDER: [&str; 19] = [
        "Version",
        "Id",
        "Statement",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "policies",
        "principals",
        "resources",
        "accounts",
        "boundary",
        "scps",
        "rcps",
    ];
    ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len())
}

/// The widest line an array of strings is kept on.
const INLINE_WIDTH: usize = 100;

/// Pretty JSON with two-space indents, keys in [`key_rank`] order whatever
/// the map's own order, and arrays and objects of scalars on one line when
/// they fit.
fn write_pretty(value: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize| " ".repeat(n);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| (key_rank(a.0), a.0).cmp(&(key_rank(b.0), b.0)));
            let flat = entries.iter().all(|(_, v)| !v.is_object() && !v.is_array());
            let inline = format!(
                "{{{}}}",
                entries
                    .iter()
                    .map(|(k, v)| format!(
                        "{}: {}",
                        scalar_text(&Value::String((*k).clone())),
                        scalar_text(v)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if flat && indent + 30 + inline.len() <= INLINE_WIDTH {
                out.push_str(&inline);
                return;
            }
            out.push_str("{\n");
            for (i, (key, item)) in entries.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                out.push_str(&scalar_text(&Value::String((*key).clone())));
                out.push_str(": ");
                write_pretty(item, indent + 2, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            let flat = items.iter().all(|v| !v.is_object() && !v.is_array());
            let inline = format!(
                "[{}]",
                items.iter().map(scalar_text).collect::<Vec<_>>().join(", ")
            );
            // The key and its quotes before the value: allow some room.
            if flat && indent + 30 + inline.len() <= INLINE_WIDTH {
                out.push_str(&inline);
                return;
            }
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 2));
                write_pretty(item, indent + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        other => out.push_str(&scalar_text(other)),
    }
}

/// Compact JSON text of one value.
fn scalar_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------

/// An SES identity ARN in the platform account.
fn identity(region: &str, name: &str) -> String {
    format!("arn:aws:ses:{region}:{PLATFORM}:identity/{name}")
}

fn user(account: &str, path_and_name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{path_and_name}")
}

fn role(account: &str, path_and_name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{path_and_name}")
}

fn session(account: &str, role_name: &str, session_name: &str) -> String {
    format!("arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}")
}

/// Every verified identity: (tenant, region, name).
const IDENTITIES: [(&str, &str, &str); 21] = [
    ("acme", "us-east-1", "acme.example"),
    ("acme", "us-east-1", "billing@acme.example"),
    ("globex", "us-east-1", "globex.example"),
    ("globex", "eu-west-1", "globex.example"),
    ("initech", "us-east-1", "initech.example"),
    ("initech", "us-east-1", "support@initech.example"),
    ("umbrella", "us-east-1", "umbrella.example"),
    ("umbrella", "eu-west-1", "umbrella.example"),
    ("hooli", "us-east-1", "hooli.example"),
    ("hooli", "us-east-1", "dev@hooli.example"),
    ("piedpiper", "us-east-1", "piedpiper.example"),
    ("vandelay", "us-east-1", "vandelay.example"),
    ("stark", "us-east-1", "stark.example"),
    ("stark", "eu-west-1", "mail.stark.example"),
    ("wonka", "us-east-1", "news+promo@wonka.example"),
    ("wonka", "us-east-1", "orders@wonka.example"),
    ("cyberdyne", "us-east-1", "cyberdyne.example"),
    ("soylent", "us-east-1", "soylent.example"),
    ("tyrell", "eu-west-1", "tyrell.example"),
    ("tyrell", "ap-southeast-2", "tyrell.example"),
    ("platform", "us-east-1", "platform.example"),
];

/// Sending-authorization policies by identity: (region, name, policy).
const SENDING_AUTHORIZATION: [(&str, &str, &str); 3] = [
    ("us-east-1", "acme.example", "AcmeDelegateSenders"),
    ("us-east-1", "globex.example", "GlobexDelegateSenders"),
    ("us-east-1", "soylent.example", "SoylentTenantSending"),
];

const SEND_ACTIONS: [&str; 3] = [
    "ses:SendEmail",
    "ses:SendRawEmail",
    "ses:SendTemplatedEmail",
];

fn policies() -> Value {
    let send = json!(SEND_ACTIONS);
    json!({
        // --- Organization: SCP chain (root, OU "email-platform", account) ---
        "FullAWSAccess": {
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Action": "*", "Resource": "*" }]
        },
        "SesRegionGuardrail": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenySesOutsideApprovedRegions",
                    "Effect": "Deny",
                    "Action": "ses:*",
                    "Resource": "*",
                    "Condition": { "StringNotEquals": { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } }
                },
                {
                    "Sid": "DenyIdentityDeletionExceptPlatformAdmin",
                    "Effect": "Deny",
                    "Action": "ses:DeleteEmailIdentity",
                    "Resource": "*",
                    "Condition": { "ArnNotLike": { "aws:PrincipalArn": format!("arn:aws:iam::*:role/platform/platform-admin") } }
                }
            ]
        },
        // --- Shared managed-style policies ---
        "SesReadOnly": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SesReadOnly",
                "Effect": "Allow",
                "Action": ["ses:Get*", "ses:List*", "ses:Describe*"],
                "Resource": "*"
            }]
        },
        "SesFullAccess": {
            "Version": "2012-10-17",
            "Statement": [{ "Sid": "SesFullAccess", "Effect": "Allow", "Action": "ses:*", "Resource": "*" }]
        },
        "TenantTagSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendFromOwnTaggedIdentities",
                "Effect": "Allow",
                "Action": send,
                "Resource": format!("arn:aws:ses:*:{PLATFORM}:identity/*"),
                "Condition": { "StringEquals": { "aws:ResourceTag/tenant": "${aws:PrincipalTag/tenant}" } }
            }]
        },
        "TenantTagIdentityAdmin": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CreateIdentitiesTaggedForOwnTenant",
                    "Effect": "Allow",
                    "Action": ["ses:CreateEmailIdentity", "ses:TagResource"],
                    "Resource": format!("arn:aws:ses:*:{PLATFORM}:identity/*"),
                    "Condition": {
                        "StringEquals": { "aws:RequestTag/tenant": "${aws:PrincipalTag/tenant}" },
                        "ForAllValues:StringEquals": { "aws:TagKeys": ["tenant", "cost-center"] }
                    }
                },
                {
                    "Sid": "ManageOwnIdentities",
                    "Effect": "Allow",
                    "Action": ["ses:GetEmailIdentity", "ses:DeleteEmailIdentity", "ses:PutEmailIdentity*"],
                    "Resource": format!("arn:aws:ses:*:{PLATFORM}:identity/*"),
                    "Condition": { "StringEquals": { "aws:ResourceTag/tenant": "${aws:PrincipalTag/tenant}" } }
                }
            ]
        },
        "TenantBoundary": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SesInHomeRegionOnly",
                    "Effect": "Allow",
                    "Action": ["ses:Send*", "ses:Get*", "ses:List*", "ses:CreateEmailIdentity", "ses:PutEmailIdentity*"],
                    "Resource": format!("arn:aws:ses:us-east-1:{PLATFORM}:*")
                },
                {
                    "Sid": "ListInHomeRegionOnly",
                    "Effect": "Allow",
                    "Action": "ses:List*",
                    "Resource": "*",
                    "Condition": { "StringEquals": { "aws:RequestedRegion": "us-east-1" } }
                }
            ]
        },
        // --- Per-tenant identity policies ---
        "AcmeSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendFromOwnIdentities",
                "Effect": "Allow",
                "Action": send,
                "Resource": [identity("us-east-1", "acme.example"), identity("us-east-1", "billing@acme.example")],
                "Condition": { "StringLike": { "ses:FromAddress": "*@acme.example" } }
            }]
        },
        "HooliSandboxSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SandboxRecipientsOnly",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": [identity("us-east-1", "hooli.example"), identity("us-east-1", "dev@hooli.example")],
                "Condition": {
                    "ForAllValues:StringLike": { "ses:Recipients": ["*@hooli.example", "*@simulator.amazonses.com"] },
                    "Null": { "ses:Recipients": "false" },
                    "StringLike": { "ses:FromAddress": "*@hooli.example" }
                }
            }]
        },
        "PiedPiperCampaignWindow": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendDuringJuneCampaign",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendTemplatedEmail"],
                "Resource": identity("us-east-1", "piedpiper.example"),
                "Condition": {
                    "DateGreaterThanEquals": { "aws:CurrentTime": "2025-06-01T00:00:00Z" },
                    "DateLessThan": { "aws:CurrentTime": "2025-07-01T00:00:00Z" },
                    "StringLike": { "ses:FromAddress": "*@piedpiper.example" }
                }
            }]
        },
        "SuspendedTenant": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "TenantSuspendedForAbuse",
                "Effect": "Deny",
                "Action": ["ses:Send*", "ses:CreateEmailIdentity"],
                "Resource": "*"
            }]
        },
        "StarkSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendFromOwnIdentitiesAnyRegion",
                "Effect": "Allow",
                "Action": send,
                "Resource": [
                    format!("arn:aws:ses:*:{PLATFORM}:identity/stark.example"),
                    format!("arn:aws:ses:*:{PLATFORM}:identity/mail.stark.example")
                ],
                "Condition": { "StringLike": { "ses:FromAddress": ["*@stark.example", "*@mail.stark.example"] } }
            }]
        },
        "StarkNetworkGuard": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "DenyOutsideCorporateNetwork",
                "Effect": "Deny",
                "Action": "ses:*",
                "Resource": "*",
                "Condition": { "NotIpAddress": { "aws:SourceIp": ["203.0.113.0/24", "2001:db8:1234::/48"] } }
            }]
        },
        "WonkaSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendWithApiV2FromExactAddresses",
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": [
                    identity("us-east-1", "news+promo@wonka.example"),
                    identity("us-east-1", "orders@wonka.example")
                ],
                "Condition": {
                    "StringEquals": {
                        "ses:ApiVersion": "2",
                        "ses:FromAddress": ["news+promo@wonka.example", "orders@wonka.example"]
                    }
                }
            }]
        },
        "CyberdyneSend": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendFromOwnDomain",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": identity("us-east-1", "cyberdyne.example"),
                "Condition": { "StringLike": { "ses:FromAddress": "*@cyberdyne.example" } }
            }]
        },
        "SoylentSessionSendOnly": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ThisSessionMaySendEmailOnly",
                "Effect": "Allow",
                "Action": "ses:SendEmail",
                "Resource": identity("us-east-1", "soylent.example")
            }]
        },
        // --- Partner account identity policy ---
        "PartnerDelegatedSending": {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "SendThroughPlatformIdentities",
                "Effect": "Allow",
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": format!("arn:aws:ses:*:{PLATFORM}:identity/*")
            }]
        },
        // --- Sending-authorization policies (resource-based, on identities) ---
        "AcmeDelegateSenders": {
            "Id": "AcmeDelegateSenders",
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AuthorizePartnerAccount",
                "Effect": "Allow",
                "Principal": { "AWS": [PARTNER] },
                "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                "Resource": identity("us-east-1", "acme.example"),
                "Condition": { "StringEquals": { "ses:FromAddress": ["newsletter@acme.example", "offers@acme.example"] } }
            }]
        },
        "GlobexDelegateSenders": {
            "Id": "GlobexDelegateSenders",
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AuthorizePartnerMailer",
                    "Effect": "Allow",
                    "Principal": { "AWS": [user(PARTNER, "relay/partner-mailer")] },
                    "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                    "Resource": identity("us-east-1", "globex.example"),
                    "Condition": { "StringLike": { "ses:FromAddress": "*@globex.example" } }
                },
                {
                    "Sid": "NoRawMimeFromPartners",
                    "Effect": "Deny",
                    "Principal": { "AWS": format!("arn:aws:iam::{PARTNER}:root") },
                    "Action": "ses:SendRawEmail",
                    "Resource": identity("us-east-1", "globex.example")
                }
            ]
        },
        "SoylentTenantSending": {
            "Id": "SoylentTenantSending",
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "AuthorizeTenantRole",
                "Effect": "Allow",
                "Principal": { "AWS": role(PLATFORM, "tenants/tenant-soylent") },
                "Action": send,
                "Resource": identity("us-east-1", "soylent.example"),
                "Condition": { "StringLike": { "ses:FromAddress": "*@soylent.example" } }
            }]
        }
    })
}

fn principal(policies: &[&str], boundary: Option<&str>, tags: &[(&str, &str)]) -> Value {
    let mut entry = serde_json::Map::new();
    entry.insert("policies".into(), json!(policies));
    if let Some(b) = boundary {
        entry.insert("boundary".into(), json!(b));
    }
    if !tags.is_empty() {
        let tags: serde_json::Map<String, Value> = tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        entry.insert("tags".into(), Value::Object(tags));
    }
    Value::Object(entry)
}

fn store() -> Value {
    let mut principals = serde_json::Map::new();
    let mut add = |arn: String, entry: Value| {
        principals.insert(arn, entry);
    };
    let t = |name: &'static str| [("tenant", name)];
    add(
        user(PLATFORM, "tenants/acme"),
        principal(
            &["AcmeSend", "SesReadOnly"],
            Some("TenantBoundary"),
            &t("acme"),
        ),
    );
    add(
        user(PLATFORM, "tenants/globex"),
        principal(
            &["TenantTagSend", "TenantTagIdentityAdmin", "SesReadOnly"],
            None,
            &t("globex"),
        ),
    );
    add(
        role(PLATFORM, "tenants/tenant-initech"),
        principal(
            &["TenantTagSend", "TenantTagIdentityAdmin", "SesReadOnly"],
            None,
            &t("initech"),
        ),
    );
    add(
        role(PLATFORM, "tenants/tenant-umbrella"),
        principal(
            &["TenantTagSend", "SesReadOnly"],
            Some("TenantBoundary"),
            &t("umbrella"),
        ),
    );
    add(
        user(PLATFORM, "tenants/hooli"),
        principal(
            &["HooliSandboxSend", "SesReadOnly"],
            None,
            &[("tenant", "hooli"), ("tier", "sandbox")],
        ),
    );
    add(
        role(PLATFORM, "tenants/tenant-piedpiper"),
        principal(&["PiedPiperCampaignWindow"], None, &t("piedpiper")),
    );
    add(
        user(PLATFORM, "tenants/vandelay"),
        principal(
            &["TenantTagSend", "SesReadOnly", "SuspendedTenant"],
            None,
            &[("tenant", "vandelay"), ("status", "suspended")],
        ),
    );
    add(
        role(PLATFORM, "tenants/tenant-stark"),
        principal(
            &["StarkSend", "StarkNetworkGuard", "SesReadOnly"],
            None,
            &t("stark"),
        ),
    );
    add(
        user(PLATFORM, "tenants/wonka"),
        principal(&["WonkaSend"], None, &t("wonka")),
    );
    add(
        user(PLATFORM, "tenants/cyberdyne"),
        principal(&["CyberdyneSend", "SesReadOnly"], None, &t("cyberdyne")),
    );
    add(
        role(PLATFORM, "tenants/tenant-soylent"),
        principal(&["SesReadOnly"], None, &t("soylent")),
    );
    add(
        user(PLATFORM, "tenants/tyrell"),
        principal(&["TenantTagSend", "SesReadOnly"], None, &t("tyrell")),
    );
    add(
        role(PLATFORM, "platform/platform-admin"),
        principal(&["SesFullAccess"], None, &[("team", "platform")]),
    );
    add(
        user(PLATFORM, "ops/support"),
        principal(&["SesReadOnly"], None, &[("team", "support")]),
    );
    add(
        user(PARTNER, "relay/partner-mailer"),
        principal(&["PartnerDelegatedSending"], None, &[]),
    );
    add(
        role(PARTNER, "partner-relay"),
        principal(&["PartnerDelegatedSending"], None, &[]),
    );
    add(user(PARTNER, "partner-intern"), principal(&[], None, &[]));

    let mut resources = serde_json::Map::new();
    for (tenant, region, name) in IDENTITIES {
        let policies: Vec<&str> = SENDING_AUTHORIZATION
            .iter()
            .filter(|(r, n, _)| *r == region && *n == name)
            .map(|(_, _, p)| *p)
            .collect();
        let mut entry = serde_json::Map::new();
        if !policies.is_empty() {
            entry.insert("policies".into(), json!(policies));
        }
        entry.insert("tags".into(), json!({ "tenant": tenant }));
        resources.insert(identity(region, name), Value::Object(entry));
    }

    json!({
        "policies": policies(),
        "principals": Value::Object(principals),
        "resources": Value::Object(resources),
        "accounts": {
            PLATFORM: {
                "scps": [["FullAWSAccess"], ["FullAWSAccess", "SesRegionGuardrail"], ["FullAWSAccess"]],
                "rcps": []
            },
            PARTNER: { "scps": [["FullAWSAccess"]], "rcps": [] }
        }
    })
}

// ---------------------------------------------------------------------------
// The requests
// ---------------------------------------------------------------------------

/// One request line under construction.
#[derive(Clone, Debug)]
struct Line {
    principal: String,
    action: &'static str,
    resource: String,
    context: Vec<(&'static str, Value)>,
    session_policy: Option<&'static str>,
}

impl Line {
    /// `{"principal":..,"action":..,"resource":..,"context":{..}}`, fields in
    /// the order the design document shows them.
    fn to_line(&self) -> String {
        let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let context: serde_json::Map<String, Value> = self
            .context
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let context = serde_json::to_string(&canonical(Value::Object(context))).unwrap_or_default();
        let mut out = format!(
            "{{\"principal\":{},\"action\":{},\"resource\":{},\"context\":{}",
            text(&self.principal),
            text(self.action),
            text(&self.resource),
            context
        );
        if let Some(p) = self.session_policy {
            out.push_str(&format!(",\"session_policy\":{}", text(p)));
        }
        out.push('}');
        out
    }
}

/// What kind of request to write; the comment is the expected answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scenario {
    // Allow
    AcmeSend,
    AcmeRead,
    GlobexSend,
    GlobexCreateTagged,
    InitechSend,
    InitechManage,
    UmbrellaSendHome,
    HooliSandboxSend,
    PiedPiperInWindow,
    StarkSendOnNetwork,
    WonkaSendV2,
    CyberdyneSend,
    SoylentSend,
    TyrellSendEu,
    PartnerSendAcme,
    PartnerSendGlobex,
    PlatformAdmin,
    VandelayRead,
    SupportRead,
    // ExplicitDeny
    VandelaySuspended,
    StarkOffNetwork,
    TenantDeletesIdentity,
    OutsideApprovedRegion,
    PartnerRawGlobex,
    // ImplicitDeny
    AcmeOtherTenantIdentity,
    AcmeWrongFrom,
    TagMismatch,
    HooliOutsideSandbox,
    PiedPiperOutsideWindow,
    WonkaWrongApi,
    CyberdyneCreateIdentity,
    UmbrellaOutsideBoundary,
    PartnerNoSendingAuthorization,
    PartnerInternNoIdentityPolicy,
    PartnerWrongFrom,
    SoylentSessionLimited,
    SupportSend,
}

impl Scenario {
    /// The answer the scenario is written to get.
    fn intended(self) -> Outcome {
        use Scenario as S;
        match self {
            S::AcmeSend
            | S::AcmeRead
            | S::GlobexSend
            | S::GlobexCreateTagged
            | S::InitechSend
            | S::InitechManage
            | S::UmbrellaSendHome
            | S::HooliSandboxSend
            | S::PiedPiperInWindow
            | S::StarkSendOnNetwork
            | S::WonkaSendV2
            | S::CyberdyneSend
            | S::SoylentSend
            | S::TyrellSendEu
            | S::PartnerSendAcme
            | S::PartnerSendGlobex
            | S::PlatformAdmin
            | S::VandelayRead
            | S::SupportRead => Outcome::Allow,
            S::VandelaySuspended
            | S::StarkOffNetwork
            | S::TenantDeletesIdentity
            | S::OutsideApprovedRegion
            | S::PartnerRawGlobex => Outcome::ExplicitDeny,
            S::AcmeOtherTenantIdentity
            | S::AcmeWrongFrom
            | S::TagMismatch
            | S::HooliOutsideSandbox
            | S::PiedPiperOutsideWindow
            | S::WonkaWrongApi
            | S::CyberdyneCreateIdentity
            | S::UmbrellaOutsideBoundary
            | S::PartnerNoSendingAuthorization
            | S::PartnerInternNoIdentityPolicy
            | S::PartnerWrongFrom
            | S::SoylentSessionLimited
            | S::SupportSend => Outcome::ImplicitDeny,
        }
    }
}

/// Scenario weights: Allow about 50, ExplicitDeny about 20, ImplicitDeny
/// about 30 out of 100.
fn scenario_table() -> Vec<(u32, Scenario)> {
    use Scenario as S;
    vec![
        (5, S::AcmeSend),
        (2, S::AcmeRead),
        (5, S::GlobexSend),
        (1, S::GlobexCreateTagged),
        (5, S::InitechSend),
        (1, S::InitechManage),
        (3, S::UmbrellaSendHome),
        (3, S::HooliSandboxSend),
        (3, S::PiedPiperInWindow),
        (3, S::StarkSendOnNetwork),
        (3, S::WonkaSendV2),
        (2, S::CyberdyneSend),
        (3, S::SoylentSend),
        (3, S::TyrellSendEu),
        (4, S::PartnerSendAcme),
        (2, S::PartnerSendGlobex),
        (2, S::PlatformAdmin),
        (1, S::VandelayRead),
        (1, S::SupportRead),
        (5, S::VandelaySuspended),
        (4, S::StarkOffNetwork),
        (4, S::TenantDeletesIdentity),
        (4, S::OutsideApprovedRegion),
        (3, S::PartnerRawGlobex),
        (4, S::AcmeOtherTenantIdentity),
        (3, S::AcmeWrongFrom),
        (3, S::TagMismatch),
        (3, S::HooliOutsideSandbox),
        (3, S::PiedPiperOutsideWindow),
        (2, S::WonkaWrongApi),
        (2, S::CyberdyneCreateIdentity),
        (2, S::UmbrellaOutsideBoundary),
        (2, S::PartnerNoSendingAuthorization),
        (1, S::PartnerInternNoIdentityPolicy),
        (2, S::PartnerWrongFrom),
        (2, S::SoylentSessionLimited),
        (1, S::SupportSend),
    ]
}

const CUSTOMERS: [&str; 8] = [
    "alice@example.org",
    "bob@example.net",
    "carol@mail.example.com",
    "dave@example.org",
    "erin@customers.example.net",
    "frank@example.com",
    "grace.hopper@example.edu",
    "heidi+receipts@example.org",
];
const HOOLI_SANDBOX: [&str; 4] = [
    "qa@hooli.example",
    "dev-team@hooli.example",
    "success@simulator.amazonses.com",
    "bounce@simulator.amazonses.com",
];
const LOCAL_PARTS: [&str; 6] = [
    "news", "billing", "no-reply", "support", "alerts", "receipts",
];
const OFFICE_IPS: [&str; 4] = ["198.51.100.7", "198.51.100.23", "192.0.2.44", "192.0.2.130"];
const STARK_IPS: [&str; 4] = [
    "203.0.113.10",
    "203.0.113.77",
    "203.0.113.201",
    "2001:db8:1234::25",
];

fn session_name(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}-{}", rng.below(8) + 1)
}

/// A time in May, June or July 2025 (UTC).
fn time_in(rng: &mut Rng, months: &[u32]) -> String {
    let month = months.get(rng.below(months.len())).copied().unwrap_or(6);
    format!(
        "2025-{month:02}-{:02}T{:02}:{:02}:{:02}Z",
        rng.below(28) + 1,
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

fn recipients(rng: &mut Rng, pool: &[&str]) -> Value {
    let n = 1 + rng.below(3);
    let mut out: Vec<&str> = Vec::new();
    for _ in 0..n {
        let r = rng.pick(pool);
        if !out.contains(&r) {
            out.push(r);
        }
    }
    json!(out)
}

/// The API version a caller's SDK uses for an action: the SES v1 API
/// (`2010-12-01`) has SendRawEmail and SendTemplatedEmail, the v2 API
/// (`2019-09-27`) the identity actions; SendEmail exists in both.
fn api_version(rng: &mut Rng, action: &str) -> &'static str {
    match action {
        "ses:SendRawEmail" | "ses:SendTemplatedEmail" => "1",
        "ses:SendEmail" if rng.chance(25) => "1",
        _ => "2",
    }
}

/// The region part of an ARN (`us-east-1` for `*`).
fn region_of(resource: &str) -> String {
    resource
        .split(':')
        .nth(3)
        .filter(|r| !r.is_empty())
        .unwrap_or("us-east-1")
        .to_owned()
}

/// A request with the per-request keys every caller sends.
fn base(
    rng: &mut Rng,
    principal: String,
    action: &'static str,
    resource: String,
    ips: &[&str],
) -> Line {
    let region = region_of(&resource);
    let version = api_version(rng, action);
    let context = vec![
        ("aws:CurrentTime", json!(time_in(rng, &[5, 6, 7]))),
        ("aws:SourceIp", json!(rng.pick(ips))),
        ("aws:RequestedRegion", json!(region)),
        ("ses:ApiVersion", json!(version)),
    ];
    Line {
        principal,
        action,
        resource,
        context,
        session_policy: None,
    }
}

/// A send: `base` plus `ses:FromAddress` and `ses:Recipients`.
fn send(
    rng: &mut Rng,
    principal: String,
    action: &'static str,
    resource: String,
    from: String,
    to: &[&str],
    ips: &[&str],
) -> Line {
    let mut line = base(rng, principal, action, resource, ips);
    line.context.push(("ses:FromAddress", json!(from)));
    let recipients = recipients(rng, to);
    line.context.push(("ses:Recipients", recipients));
    line
}

/// The same line with `ses:ApiVersion` set to `version`.
fn with_api_version(mut line: Line, version: &str) -> Line {
    for (key, value) in &mut line.context {
        if *key == "ses:ApiVersion" {
            *value = json!(version);
        }
    }
    line
}

fn send_action(rng: &mut Rng) -> &'static str {
    // SendEmail dominates real traffic.
    match rng.below(10) {
        0..=5 => "ses:SendEmail",
        6..=7 => "ses:SendRawEmail",
        _ => "ses:SendTemplatedEmail",
    }
}

fn from(rng: &mut Rng, domain: &str) -> String {
    format!("{}@{domain}", rng.pick(&LOCAL_PARTS))
}

fn set_time(line: &mut Line, time: String) {
    for (key, value) in &mut line.context {
        if *key == "aws:CurrentTime" {
            *value = json!(time);
        }
    }
}

fn build(scenario: Scenario, rng: &mut Rng) -> Line {
    use Scenario as S;
    let us = "us-east-1";
    let eu = "eu-west-1";
    let p = PLATFORM;
    match scenario {
        S::AcmeSend => {
            let action = send_action(rng);
            if rng.chance(30) {
                send(
                    rng,
                    user(p, "tenants/acme"),
                    action,
                    identity(us, "billing@acme.example"),
                    "billing@acme.example".into(),
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            } else {
                let f = from(rng, "acme.example");
                send(
                    rng,
                    user(p, "tenants/acme"),
                    action,
                    identity(us, "acme.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            }
        }
        S::AcmeRead => {
            if rng.chance(50) {
                base(
                    rng,
                    user(p, "tenants/acme"),
                    "ses:ListEmailIdentities",
                    "*".into(),
                    &OFFICE_IPS,
                )
            } else {
                let name = rng.pick(&["acme.example", "billing@acme.example"]);
                base(
                    rng,
                    user(p, "tenants/acme"),
                    "ses:GetEmailIdentity",
                    identity(us, name),
                    &OFFICE_IPS,
                )
            }
        }
        S::GlobexSend => {
            let region = rng.pick(&[us, eu]);
            let action = send_action(rng);
            let f = from(rng, "globex.example");
            send(
                rng,
                user(p, "tenants/globex"),
                action,
                identity(region, "globex.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::GlobexCreateTagged => {
            let name = format!(
                "{}.globex.example",
                rng.pick(&["promo", "eu", "alerts", "hr"])
            );
            let mut line = base(
                rng,
                user(p, "tenants/globex"),
                "ses:CreateEmailIdentity",
                identity(us, &name),
                &OFFICE_IPS,
            );
            line.context
                .push(("aws:RequestTag/tenant", json!("globex")));
            let keys: &[&str] = if rng.chance(50) {
                &["tenant"]
            } else {
                &["tenant", "cost-center"]
            };
            line.context.push(("aws:TagKeys", json!(keys)));
            line
        }
        S::InitechSend => {
            let who = session(p, "tenant-initech", &session_name(rng, "sender"));
            let action = send_action(rng);
            if rng.chance(40) {
                send(
                    rng,
                    who,
                    action,
                    identity(us, "support@initech.example"),
                    "support@initech.example".into(),
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            } else {
                let f = from(rng, "initech.example");
                send(
                    rng,
                    who,
                    action,
                    identity(us, "initech.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            }
        }
        S::InitechManage => {
            let who = session(p, "tenant-initech", &session_name(rng, "console"));
            let name = rng.pick(&["initech.example", "support@initech.example"]);
            base(
                rng,
                who,
                "ses:GetEmailIdentity",
                identity(us, name),
                &OFFICE_IPS,
            )
        }
        S::UmbrellaSendHome => {
            let who = session(p, "tenant-umbrella", &session_name(rng, "mailer"));
            let action = send_action(rng);
            let f = from(rng, "umbrella.example");
            send(
                rng,
                who,
                action,
                identity(us, "umbrella.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::HooliSandboxSend => {
            let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
            let name = rng.pick(&["hooli.example", "dev@hooli.example"]);
            let f = if name == "dev@hooli.example" {
                name.to_owned()
            } else {
                from(rng, "hooli.example")
            };
            send(
                rng,
                user(p, "tenants/hooli"),
                action,
                identity(us, name),
                f,
                &HOOLI_SANDBOX,
                &OFFICE_IPS,
            )
        }
        S::PiedPiperInWindow => {
            let who = session(p, "tenant-piedpiper", "campaign-2025-06");
            let action = rng.pick(&["ses:SendEmail", "ses:SendTemplatedEmail"]);
            let f = from(rng, "piedpiper.example");
            let mut line = send(
                rng,
                who,
                action,
                identity(us, "piedpiper.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            let t = time_in(rng, &[6]);
            set_time(&mut line, t);
            line
        }
        S::StarkSendOnNetwork => {
            let who = session(p, "tenant-stark", &session_name(rng, "relay"));
            let action = send_action(rng);
            if rng.chance(40) {
                let f = from(rng, "mail.stark.example");
                send(
                    rng,
                    who,
                    action,
                    identity(eu, "mail.stark.example"),
                    f,
                    &CUSTOMERS,
                    &STARK_IPS,
                )
            } else {
                let f = from(rng, "stark.example");
                send(
                    rng,
                    who,
                    action,
                    identity(us, "stark.example"),
                    f,
                    &CUSTOMERS,
                    &STARK_IPS,
                )
            }
        }
        S::WonkaSendV2 => {
            let name = rng.pick(&["news+promo@wonka.example", "orders@wonka.example"]);
            let line = send(
                rng,
                user(p, "tenants/wonka"),
                "ses:SendEmail",
                identity(us, name),
                name.to_owned(),
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            with_api_version(line, "2")
        }
        S::CyberdyneSend => {
            let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
            let f = from(rng, "cyberdyne.example");
            send(
                rng,
                user(p, "tenants/cyberdyne"),
                action,
                identity(us, "cyberdyne.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::SoylentSend => {
            let who = session(p, "tenant-soylent", &session_name(rng, "worker"));
            let limited = rng.chance(40);
            let action = if limited {
                "ses:SendEmail"
            } else {
                send_action(rng)
            };
            let f = from(rng, "soylent.example");
            let mut line = send(
                rng,
                who,
                action,
                identity(us, "soylent.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            if limited {
                line.session_policy = Some("SoylentSessionSendOnly");
            }
            line
        }
        S::TyrellSendEu => {
            let action = send_action(rng);
            let f = from(rng, "tyrell.example");
            send(
                rng,
                user(p, "tenants/tyrell"),
                action,
                identity(eu, "tyrell.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::PartnerSendAcme => {
            let who = if rng.chance(50) {
                user(PARTNER, "relay/partner-mailer")
            } else {
                session(PARTNER, "partner-relay", &session_name(rng, "batch"))
            };
            let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
            let f = rng
                .pick(&["newsletter@acme.example", "offers@acme.example"])
                .to_owned();
            send(
                rng,
                who,
                action,
                identity(us, "acme.example"),
                f,
                &CUSTOMERS,
                &["192.0.2.200", "192.0.2.201"],
            )
        }
        S::PartnerSendGlobex => {
            let f = from(rng, "globex.example");
            send(
                rng,
                user(PARTNER, "relay/partner-mailer"),
                "ses:SendEmail",
                identity(us, "globex.example"),
                f,
                &CUSTOMERS,
                &["192.0.2.200", "192.0.2.201"],
            )
        }
        S::PlatformAdmin => {
            let who = session(p, "platform-admin", &session_name(rng, "oncall"));
            let (_, region, name) = IDENTITIES
                .get(rng.below(IDENTITIES.len()))
                .copied()
                .unwrap_or(("platform", us, "platform.example"));
            let region = if region == "ap-southeast-2" {
                us
            } else {
                region
            };
            match rng.below(3) {
                0 => base(rng, who, "ses:ListEmailIdentities", "*".into(), &OFFICE_IPS),
                1 => base(
                    rng,
                    who,
                    "ses:GetEmailIdentity",
                    identity(region, name),
                    &OFFICE_IPS,
                ),
                _ => base(
                    rng,
                    who,
                    "ses:DeleteEmailIdentity",
                    identity(region, name),
                    &OFFICE_IPS,
                ),
            }
        }
        S::VandelayRead => {
            if rng.chance(50) {
                base(
                    rng,
                    user(p, "tenants/vandelay"),
                    "ses:ListEmailIdentities",
                    "*".into(),
                    &OFFICE_IPS,
                )
            } else {
                base(
                    rng,
                    user(p, "tenants/vandelay"),
                    "ses:GetEmailIdentity",
                    identity(us, "vandelay.example"),
                    &OFFICE_IPS,
                )
            }
        }
        S::SupportRead => {
            let (_, region, name) = IDENTITIES
                .get(rng.below(IDENTITIES.len() - 2))
                .copied()
                .unwrap_or(("acme", us, "acme.example"));
            if rng.chance(30) {
                base(
                    rng,
                    user(p, "ops/support"),
                    "ses:ListEmailIdentities",
                    "*".into(),
                    &OFFICE_IPS,
                )
            } else {
                base(
                    rng,
                    user(p, "ops/support"),
                    "ses:GetEmailIdentity",
                    identity(region, name),
                    &OFFICE_IPS,
                )
            }
        }
        S::VandelaySuspended => {
            if rng.chance(15) {
                let mut line = base(
                    rng,
                    user(p, "tenants/vandelay"),
                    "ses:CreateEmailIdentity",
                    identity(us, "offers.vandelay.example"),
                    &OFFICE_IPS,
                );
                line.context
                    .push(("aws:RequestTag/tenant", json!("vandelay")));
                line.context.push(("aws:TagKeys", json!(["tenant"])));
                line
            } else {
                let action = send_action(rng);
                let f = from(rng, "vandelay.example");
                send(
                    rng,
                    user(p, "tenants/vandelay"),
                    action,
                    identity(us, "vandelay.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            }
        }
        S::StarkOffNetwork => {
            let who = session(p, "tenant-stark", &session_name(rng, "laptop"));
            let action = send_action(rng);
            let f = from(rng, "stark.example");
            send(
                rng,
                who,
                action,
                identity(us, "stark.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::TenantDeletesIdentity => match rng.below(3) {
            0 => {
                let who = session(p, "tenant-initech", &session_name(rng, "console"));
                base(
                    rng,
                    who,
                    "ses:DeleteEmailIdentity",
                    identity(us, "support@initech.example"),
                    &OFFICE_IPS,
                )
            }
            1 => base(
                rng,
                user(p, "tenants/globex"),
                "ses:DeleteEmailIdentity",
                identity(eu, "globex.example"),
                &OFFICE_IPS,
            ),
            _ => base(
                rng,
                user(p, "tenants/cyberdyne"),
                "ses:DeleteEmailIdentity",
                identity(us, "cyberdyne.example"),
                &OFFICE_IPS,
            ),
        },
        S::OutsideApprovedRegion => {
            if rng.chance(70) {
                let action = send_action(rng);
                let f = from(rng, "tyrell.example");
                send(
                    rng,
                    user(p, "tenants/tyrell"),
                    action,
                    identity("ap-southeast-2", "tyrell.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            } else {
                let who = session(p, "platform-admin", &session_name(rng, "oncall"));
                let mut line = base(rng, who, "ses:ListEmailIdentities", "*".into(), &OFFICE_IPS);
                for (key, value) in &mut line.context {
                    if *key == "aws:RequestedRegion" {
                        *value = json!("ap-southeast-2");
                    }
                }
                line
            }
        }
        S::PartnerRawGlobex => {
            let f = from(rng, "globex.example");
            send(
                rng,
                user(PARTNER, "relay/partner-mailer"),
                "ses:SendRawEmail",
                identity(us, "globex.example"),
                f,
                &CUSTOMERS,
                &["192.0.2.200", "192.0.2.201"],
            )
        }
        S::AcmeOtherTenantIdentity => {
            let (victim, domain) = if rng.chance(50) {
                ("globex.example", "globex.example")
            } else {
                ("initech.example", "initech.example")
            };
            let action = send_action(rng);
            let f = from(rng, domain);
            send(
                rng,
                user(p, "tenants/acme"),
                action,
                identity(us, victim),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::AcmeWrongFrom => {
            let action = send_action(rng);
            let domain = rng_domain(rng);
            let f = from(rng, domain);
            send(
                rng,
                user(p, "tenants/acme"),
                action,
                identity(us, "acme.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::TagMismatch => {
            if rng.chance(50) {
                let action = send_action(rng);
                let f = from(rng, "initech.example");
                send(
                    rng,
                    user(p, "tenants/globex"),
                    action,
                    identity(us, "initech.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            } else {
                let who = session(p, "tenant-initech", &session_name(rng, "sender"));
                let action = send_action(rng);
                let f = from(rng, "umbrella.example");
                send(
                    rng,
                    who,
                    action,
                    identity(us, "umbrella.example"),
                    f,
                    &CUSTOMERS,
                    &OFFICE_IPS,
                )
            }
        }
        S::HooliOutsideSandbox => {
            let f = from(rng, "hooli.example");
            let mut line = send(
                rng,
                user(p, "tenants/hooli"),
                "ses:SendEmail",
                identity(us, "hooli.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            match rng.below(4) {
                // A sandbox address next to a customer: one outsider is enough.
                0 => {
                    for (key, value) in &mut line.context {
                        if *key == "ses:Recipients" {
                            *value = json!(["qa@hooli.example", "alice@example.org"]);
                        }
                    }
                }
                // No recipients key at all: the `Null` guard refuses it.
                1 => line.context.retain(|(key, _)| *key != "ses:Recipients"),
                _ => {}
            }
            line
        }
        S::PiedPiperOutsideWindow => {
            let who = session(p, "tenant-piedpiper", "campaign-2025-06");
            let f = from(rng, "piedpiper.example");
            let mut line = send(
                rng,
                who,
                "ses:SendEmail",
                identity(us, "piedpiper.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            let t = time_in(rng, &[5, 7]);
            set_time(&mut line, t);
            line
        }
        S::WonkaWrongApi => {
            let name = rng.pick(&["news+promo@wonka.example", "orders@wonka.example"]);
            let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
            let line = send(
                rng,
                user(p, "tenants/wonka"),
                action,
                identity(us, name),
                name.to_owned(),
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            with_api_version(line, "1")
        }
        S::CyberdyneCreateIdentity => {
            let name = rng.pick(&["newsletter.cyberdyne.example", "skynet@cyberdyne.example"]);
            let mut line = base(
                rng,
                user(p, "tenants/cyberdyne"),
                "ses:CreateEmailIdentity",
                identity(us, name),
                &OFFICE_IPS,
            );
            line.context
                .push(("aws:RequestTag/tenant", json!("cyberdyne")));
            line.context.push(("aws:TagKeys", json!(["tenant"])));
            line
        }
        S::UmbrellaOutsideBoundary => {
            let who = session(p, "tenant-umbrella", &session_name(rng, "mailer"));
            let action = send_action(rng);
            let f = from(rng, "umbrella.example");
            send(
                rng,
                who,
                action,
                identity(eu, "umbrella.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
        S::PartnerNoSendingAuthorization => {
            let (who, name) = if rng.chance(50) {
                (user(PARTNER, "relay/partner-mailer"), "initech.example")
            } else {
                // The relay role is not the user the Globex policy names.
                (
                    session(PARTNER, "partner-relay", &session_name(rng, "batch")),
                    "globex.example",
                )
            };
            let f = from(rng, name);
            send(
                rng,
                who,
                "ses:SendEmail",
                identity(us, name),
                f,
                &CUSTOMERS,
                &["192.0.2.200", "192.0.2.201"],
            )
        }
        S::PartnerInternNoIdentityPolicy => send(
            rng,
            user(PARTNER, "partner-intern"),
            "ses:SendEmail",
            identity(us, "acme.example"),
            "newsletter@acme.example".into(),
            &CUSTOMERS,
            &["192.0.2.200"],
        ),
        S::PartnerWrongFrom => {
            let f = rng
                .pick(&[
                    "ceo@acme.example",
                    "billing@acme.example",
                    "news@partner.example",
                ])
                .to_owned();
            send(
                rng,
                user(PARTNER, "relay/partner-mailer"),
                "ses:SendEmail",
                identity(us, "acme.example"),
                f,
                &CUSTOMERS,
                &["192.0.2.200", "192.0.2.201"],
            )
        }
        S::SoylentSessionLimited => {
            let who = session(p, "tenant-soylent", &session_name(rng, "worker"));
            let action = rng.pick(&["ses:SendRawEmail", "ses:SendTemplatedEmail"]);
            let f = from(rng, "soylent.example");
            let mut line = send(
                rng,
                who,
                action,
                identity(us, "soylent.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            );
            line.session_policy = Some("SoylentSessionSendOnly");
            line
        }
        S::SupportSend => {
            let f = from(rng, "acme.example");
            send(
                rng,
                user(p, "ops/support"),
                "ses:SendEmail",
                identity(us, "acme.example"),
                f,
                &CUSTOMERS,
                &OFFICE_IPS,
            )
        }
    }
}

/// A From domain that is not Acme's own.
fn rng_domain(rng: &mut Rng) -> &'static str {
    rng.pick(&[
        "acme-mail.example",
        "globex.example",
        "gmail.example",
        "acme.example.net",
    ])
}
