//! W2: a fleet of `N` tenants on one SES sending platform (`N` from 1,000
//! to 1,000,000), and a seeded stream of requests over random tenants.
//!
//! - Each tenant is an IAM user `tenants/tNNNNNNN` of the platform account,
//!   tagged `tenant=tNNNNNNN`, with 1 to 5 policies drawn from a pool of
//!   [`MANAGED`] shared managed-style policies (eight kinds: tag-based
//!   sending, read-only, source-IP guard, time guard, recipient allow-list,
//!   configuration-set admin, From-address guard, identity admin) plus one
//!   inline policy naming its own identities and From domain.
//! - Each tenant has two verified identities (`us-east-1` and `eu-west-1`),
//!   tagged with the tenant, so `2N` identities. Each carries one of
//!   [`SENDING_AUTHORIZATION`] shared sending-authorization policies
//!   (deduplicated by name: the store holds each document once), granting a
//!   partner account's delegate senders `ses:SendEmail` and
//!   `ses:SendRawEmail`, some with expiry, source-IP or From conditions.
//! - Each partner account has a relay user with an identity policy, so
//!   cross-account sends need both sides.
//! - The platform account has a two-level SCP chain: full access, then
//!   guardrails (no deletions, no account changes, two regions only).
//!
//! The store is built as trees directly: a million tenants take a few
//! seconds (4.1 s in a release build, 2.5 GB resident with 100,000
//! requests), and no JSON text (write it with
//! [`crate::workload::write_store`]).

use sesame_spec::model::BaseOperator::{
    DateGreaterThan, DateLessThan, IpAddress, NotIpAddress, StringEquals, StringLike,
    StringNotEquals, StringNotLike,
};
use sesame_spec::store::{AccountEntry, PrincipalEntry, ResourceEntry};
use sesame_spec::{Policy, Request, Store};

use crate::prng::Rng;
use crate::workload::{
    PLATFORM, WorkloadError, allow, cond, deny, for_all, one, policy, request, time,
    with_aws_principals,
};

/// How many shared managed-style policies the pool holds.
pub const MANAGED: usize = 24;
/// How many shared sending-authorization policies the pool holds (one
/// partner account each).
pub const SENDING_AUTHORIZATION: usize = 16;
/// The most tenants [`generate`] accepts.
pub const MAX_TENANTS: usize = 10_000_000;

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
const OFFICE_RANGES: [&str; 4] = [
    "198.51.100.0/24",
    "192.0.2.0/25",
    "2001:db8::/32",
    "100.64.0.0/16",
];
const OFFICE_IPS: [&str; 5] = [
    "198.51.100.7",
    "192.0.2.10",
    "2001:db8::5",
    "100.64.3.4",
    "198.51.100.250",
];
const PARTNER_IPS: [&str; 3] = ["203.0.113.5", "203.0.113.77", "198.18.0.9"];
const CUSTOMERS: [&str; 6] = [
    "alice@example.org",
    "bob@example.net",
    "carol@example.com",
    "dan@mail.example",
    "erin@example.org",
    "seed@inbox.example",
];
const SEED_LISTS: [[&str; 2]; 3] = [
    ["seed@inbox.example", "qa@inbox.example"],
    ["seed@inbox.example", "alice@example.org"],
    ["monitor@inbox.example", "seed@inbox.example"],
];

/// A tenant's name: `t0000042`.
pub fn tenant_name(t: usize) -> String {
    format!("t{t:07}")
}

/// A tenant's IAM user ARN.
pub fn tenant_user(t: usize) -> String {
    format!("arn:aws:iam::{PLATFORM}:user/tenants/{}", tenant_name(t))
}

/// One of a tenant's two identity ARNs (`j` is 0 or 1).
pub fn tenant_identity(t: usize, j: usize) -> String {
    let region = REGIONS.get(j % 2).copied().unwrap_or("us-east-1");
    format!(
        "arn:aws:ses:{region}:{PLATFORM}:identity/{}.example",
        tenant_name(t)
    )
}

/// The partner account of sending-authorization policy `k`.
pub fn partner_account(k: usize) -> String {
    format!("44445555{:04}", k % 10_000)
}

/// The relay user of partner `k`.
pub fn partner_user(k: usize) -> String {
    format!("arn:aws:iam::{}:user/relay", partner_account(k))
}

fn managed_name(m: usize) -> String {
    format!("Managed-{m:02}")
}

fn sending_authorization_name(k: usize) -> String {
    format!("SendAuth-{k:02}")
}

/// A stateless mix of the seed and an index (splitmix64), so the policy an
/// identity carries can be recomputed without a lookup.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Which sending-authorization policy identity `j` of tenant `t` carries.
pub fn sending_authorization_of(seed: u64, t: usize, j: usize) -> usize {
    (mix(seed, (t as u64) * 2 + j as u64) % SENDING_AUTHORIZATION as u64) as usize
}

fn id_any() -> String {
    format!("arn:aws:ses:*:{PLATFORM}:identity/*")
}

fn tag_match() -> sesame_spec::model::Condition {
    cond(
        StringEquals,
        "aws:ResourceTag/tenant",
        &["${aws:PrincipalTag/tenant}"],
    )
}

/// Managed-style policy `m` of the pool.
fn managed(m: usize) -> Policy {
    let id_any = id_any();
    let sends = [
        "ses:SendEmail",
        "ses:SendRawEmail",
        "ses:SendTemplatedEmail",
    ];
    match m % 8 {
        0 => policy(vec![allow(
            "SendFromTaggedIdentities",
            &sends,
            &[&id_any],
            vec![tag_match()],
        )]),
        1 => policy(vec![allow(
            "SesReadOnly",
            &["ses:Get*", "ses:List*"],
            &["*"],
            vec![],
        )]),
        2 => {
            let a = OFFICE_RANGES
                .get(m % 4)
                .copied()
                .unwrap_or("198.51.100.0/24");
            let b = OFFICE_RANGES
                .get((m / 8) % 4)
                .copied()
                .unwrap_or("192.0.2.0/25");
            policy(vec![deny(
                "SendOnlyFromOffice",
                &["ses:Send*"],
                &["*"],
                vec![cond(NotIpAddress, "aws:SourceIp", &[a, b])],
            )])
        }
        3 => {
            let until = format!("2026-{:02}-01T00:00:00Z", 1 + m % 12);
            policy(vec![deny(
                "ContractEnds",
                &["ses:Send*"],
                &["*"],
                vec![cond(DateGreaterThan, "aws:CurrentTime", &[&until])],
            )])
        }
        4 => {
            let list = SEED_LISTS.get(m % 3).copied().unwrap_or(SEED_LISTS[0]);
            policy(vec![allow(
                "SeedListSends",
                &["ses:SendEmail"],
                &[&id_any],
                vec![tag_match(), for_all(StringEquals, "ses:Recipients", &list)],
            )])
        }
        5 => policy(vec![
            allow(
                "ConfigurationSets",
                &["ses:CreateConfigurationSet*", "ses:PutConfigurationSet*"],
                &[&format!("arn:aws:ses:*:{PLATFORM}:configuration-set/*")],
                vec![],
            ),
            allow("Metrics", &["cloudwatch:GetMetricData"], &["*"], vec![]),
        ]),
        6 => policy(vec![deny(
            "FromTenantDomainsOnly",
            &["ses:SendEmail", "ses:SendRawEmail"],
            &["*"],
            vec![cond(StringNotLike, "ses:FromAddress", &["*@t*.example"])],
        )]),
        _ => policy(vec![
            allow(
                "ManageOwnIdentities",
                &["ses:GetEmailIdentity", "ses:PutEmailIdentity*"],
                &[&id_any],
                vec![tag_match()],
            ),
            deny("NoDeletes", &["ses:DeleteEmailIdentity"], &["*"], vec![]),
        ]),
    }
}

/// Sending-authorization policy `k` of the pool.
fn sending_authorization(k: usize) -> Policy {
    let partner = partner_account(k);
    let conditions = match k % 4 {
        0 => vec![],
        1 => vec![cond(
            DateLessThan,
            "aws:CurrentTime",
            &["2026-07-01T00:00:00Z"],
        )],
        2 => vec![cond(IpAddress, "aws:SourceIp", &["203.0.113.0/24"])],
        _ => vec![cond(StringLike, "ses:FromAddress", &["*@t*.example"])],
    };
    let mut statements = vec![with_aws_principals(
        allow(
            "DelegateSenders",
            &["ses:SendEmail", "ses:SendRawEmail"],
            &[&id_any()],
            conditions,
        ),
        &[&partner],
    )];
    if k % 5 == 0 {
        statements.push(with_aws_principals(
            deny("NoRawMime", &["ses:SendRawEmail"], &[&id_any()], vec![]),
            &[&partner],
        ));
    }
    policy(statements)
}

/// The inline policy of tenant `t`.
fn inline(t: usize) -> Policy {
    let a = tenant_identity(t, 0);
    let b = tenant_identity(t, 1);
    let from = format!("*@{}.example", tenant_name(t));
    policy(vec![allow(
        "SendFromOwnIdentities",
        &["ses:SendEmail", "ses:SendRawEmail"],
        &[&a, &b],
        vec![cond(StringLike, "ses:FromAddress", &[&from])],
    )])
}

/// The managed policies tenant `t` has (1 to 5, distinct, pool order).
fn managed_of(rng: &mut Rng) -> Vec<usize> {
    let n = 1 + rng.below(5);
    let mut chosen: Vec<usize> = Vec::with_capacity(n);
    while chosen.len() < n {
        let m = rng.below(MANAGED);
        if !chosen.contains(&m) {
            chosen.push(m);
        }
    }
    chosen
}

/// The store of `tenants` tenants for `seed`.
///
/// # Errors
///
/// [`WorkloadError::Params`] for zero tenants or more than [`MAX_TENANTS`].
pub fn store(tenants: usize, seed: u64) -> Result<Store, WorkloadError> {
    if tenants == 0 || tenants > MAX_TENANTS {
        return Err(WorkloadError::Params(format!(
            "w2: `--tenants {tenants}` is out of range; give 1 to {MAX_TENANTS}"
        )));
    }
    let mut store = Store::default();
    for m in 0..MANAGED {
        store.policies.insert(managed_name(m), managed(m));
    }
    for k in 0..SENDING_AUTHORIZATION {
        store
            .policies
            .insert(sending_authorization_name(k), sending_authorization(k));
    }
    store.policies.insert(
        "PartnerRelaySend".to_owned(),
        policy(vec![allow(
            "RelaySends",
            &["ses:SendEmail", "ses:SendRawEmail"],
            &["arn:aws:ses:*:*:identity/*"],
            vec![],
        )]),
    );
    store.policies.insert(
        "FullAWSAccess".to_owned(),
        policy(vec![allow("", &["*"], &["*"], vec![])]),
    );
    store.policies.insert(
        "FleetGuardrails".to_owned(),
        policy(vec![
            allow("AllowAll", &["*"], &["*"], vec![]),
            deny(
                "NoDeletesNoAccountChanges",
                &["ses:DeleteEmailIdentity", "ses:PutAccount*"],
                &["*"],
                vec![],
            ),
            deny(
                "TwoRegions",
                &["ses:*"],
                &["*"],
                vec![cond(
                    StringNotEquals,
                    "aws:RequestedRegion",
                    &["us-east-1", "eu-west-1"],
                )],
            ),
        ]),
    );
    let mut rng = Rng::new(seed);
    for t in 0..tenants {
        let name = tenant_name(t);
        let mut policies: Vec<String> =
            managed_of(&mut rng).into_iter().map(managed_name).collect();
        let inline_name = format!("Inline-{name}");
        store.policies.insert(inline_name.clone(), inline(t));
        policies.push(inline_name);
        for j in 0..2 {
            let k = sending_authorization_of(seed, t, j);
            store.resources.insert(
                tenant_identity(t, j),
                ResourceEntry {
                    policies: vec![sending_authorization_name(k)],
                    tags: vec![("tenant".to_owned(), name.clone())],
                    account: None,
                },
            );
        }
        store.principals.insert(
            tenant_user(t),
            PrincipalEntry {
                policies,
                boundary: None,
                tags: vec![("tenant".to_owned(), name)],
            },
        );
    }
    for k in 0..SENDING_AUTHORIZATION {
        store.principals.insert(
            partner_user(k),
            PrincipalEntry {
                policies: vec!["PartnerRelaySend".to_owned()],
                boundary: None,
                tags: Vec::new(),
            },
        );
    }
    store.accounts.insert(
        PLATFORM.to_owned(),
        AccountEntry {
            scps: vec![
                vec!["FullAWSAccess".to_owned()],
                vec!["FleetGuardrails".to_owned()],
            ],
            rcps: Vec::new(),
        },
    );
    Ok(store)
}

fn customers(rng: &mut Rng) -> Vec<String> {
    let n = 1 + rng.below(3);
    (0..n).map(|_| rng.pick(&CUSTOMERS).to_owned()).collect()
}

fn send_context(
    rng: &mut Rng,
    region: &str,
    from: String,
    ips: &[&str],
    recipients: Vec<String>,
) -> Vec<(String, Vec<String>)> {
    let mut context = Vec::with_capacity(5);
    if !rng.chance(5) {
        context.push(one("aws:CurrentTime", time(rng, 2025, 2)));
    }
    context.push(one("aws:SourceIp", rng.pick(ips)));
    context.push(one("aws:RequestedRegion", region));
    context.push(one("ses:FromAddress", from));
    context.push(("ses:Recipients".to_owned(), recipients));
    context
}

/// `count` requests over random tenants of a `tenants`-tenant store made
/// with the same seed.
pub fn requests(tenants: usize, seed: u64, count: usize) -> Vec<Request> {
    let mut rng = Rng::new(seed ^ 0x5EED_F2EC_u64);
    let tenants = tenants.max(1);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let t = rng.below(tenants);
        let j = rng.below(2);
        let region = REGIONS.get(j).copied().unwrap_or("us-east-1");
        let own = tenant_identity(t, j);
        let user = tenant_user(t);
        let local = rng.pick(&["news", "billing", "hello", "orders"]);
        let own_from = format!("{local}@{}.example", tenant_name(t));
        let roll = rng.below(100);
        let req = match roll {
            0..=34 => {
                let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
                let ips: &[&str] = if rng.chance(85) {
                    &OFFICE_IPS
                } else {
                    &PARTNER_IPS
                };
                let recipients = customers(&mut rng);
                let context = send_context(&mut rng, region, own_from, ips, recipients);
                request(&user, action, &own, context)
            }
            35..=44 => {
                let from = format!("{local}@{}", rng.pick(&["gmail.example", "other.example"]));
                let recipients = customers(&mut rng);
                let context = send_context(&mut rng, region, from, &OFFICE_IPS, recipients);
                request(&user, "ses:SendEmail", &own, context)
            }
            45..=54 => {
                let other = tenant_identity(rng.below(tenants), j);
                let recipients = customers(&mut rng);
                let context = send_context(&mut rng, region, own_from, &OFFICE_IPS, recipients);
                request(&user, "ses:SendEmail", &other, context)
            }
            55..=71 => {
                let k = if rng.chance(70) {
                    sending_authorization_of(seed, t, j)
                } else {
                    rng.below(SENDING_AUTHORIZATION)
                };
                let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
                let recipients = customers(&mut rng);
                let context = send_context(&mut rng, region, own_from, &PARTNER_IPS, recipients);
                request(&partner_user(k), action, &own, context)
            }
            72..=79 => {
                let recipients = customers(&mut rng);
                let context = send_context(&mut rng, region, own_from, &OFFICE_IPS, recipients);
                request(&user, "ses:SendTemplatedEmail", &own, context)
            }
            80..=87 => {
                let mut context = Vec::new();
                context.push(one("aws:SourceIp", rng.pick(&OFFICE_IPS)));
                context.push(one("aws:RequestedRegion", region));
                if rng.chance(50) {
                    request(&user, "ses:ListEmailIdentities", "*", context)
                } else {
                    request(&user, "ses:GetEmailIdentity", &own, context)
                }
            }
            88..=91 => {
                let context = vec![one("aws:RequestedRegion", region)];
                request(&user, "ses:DeleteEmailIdentity", &own, context)
            }
            92..=95 => {
                let elsewhere = own.replacen(region, "ap-southeast-2", 1);
                let recipients = customers(&mut rng);
                let context = send_context(
                    &mut rng,
                    "ap-southeast-2",
                    own_from,
                    &OFFICE_IPS,
                    recipients,
                );
                request(&user, "ses:SendEmail", &elsewhere, context)
            }
            _ => {
                let list = SEED_LISTS
                    .get(rng.below(3))
                    .copied()
                    .unwrap_or(SEED_LISTS[0]);
                let recipients = vec![rng.pick(&list).to_owned()];
                let from = format!("seeds@{}", rng.pick(&["monitor.example", "inbox.example"]));
                let context = send_context(&mut rng, region, from, &OFFICE_IPS, recipients);
                request(&user, "ses:SendEmail", &own, context)
            }
        };
        out.push(req);
    }
    out
}

/// The W2 store of `tenants` tenants and `count` requests, from `seed`.
///
/// # Errors
///
/// [`WorkloadError::Params`] for a tenant count out of range.
pub fn generate(
    tenants: usize,
    seed: u64,
    count: usize,
) -> Result<(Store, Vec<Request>), WorkloadError> {
    let store = store(tenants, seed)?;
    Ok((store, requests(tenants, seed, count)))
}
