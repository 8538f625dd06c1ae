//! W1: one tenant of an Amazon SES sending platform, about fifty statements
//! over a dozen policies, and a seeded stream of its requests.
//!
//! The tenant is the IAM user `tenants/acme` in the platform account,
//! tagged `tenant=acme`, with six verified identities (five its own, in three
//! regions, one of another tenant). Its policies use the conditions SES
//! senders write: `ses:FromAddress` (`StringLike`), `ses:Recipients`
//! (`ForAllValues:StringEquals`), `aws:CurrentTime` (`DateLessThan` /
//! `DateGreaterThan`), `aws:SourceIp` (`NotIpAddress`), `aws:ResourceTag` and
//! `aws:RequestTag` against `${aws:PrincipalTag/tenant}`, `aws:TagKeys`, and
//! `aws:RequestedRegion`. A permissions boundary and a three-level SCP chain
//! (root, OU, account) complete it.
//!
//! The request stream mixes allowed sends, explicit denies (source IP, time
//! window, region, deletion, suppression) and implicit denies (wrong From
//! address, another tenant's identity, recipients outside the sandbox,
//! actions outside the boundary), on literal identity ARNs and on ARNs only
//! the wildcard statements reach, with optional context keys present or not.
//!
//! Every construct here has a faithful Cedar translation
//! ([`crate::cedar`]): no `?` wildcards, no variables in `Resource`, no
//! `ForAllValues:StringLike`.

use sesame_spec::model::BaseOperator::{
    DateGreaterThan, DateLessThan, NotIpAddress, StringEquals, StringLike, StringNotEquals,
};
use sesame_spec::store::{AccountEntry, ResourceEntry};
use sesame_spec::{Request, Store};

use crate::prng::Rng;
use crate::workload::{
    PLATFORM, allow, cond, deny, for_all, one, policy, principal_entry, request, time,
};

/// The tenant's IAM user.
pub const TENANT: &str = "arn:aws:iam::111122223333:user/tenants/acme";

fn identity(region: &str, name: &str) -> String {
    format!("arn:aws:ses:{region}:{PLATFORM}:identity/{name}")
}

/// The verified identities: (region, name, owning tenant).
const IDENTITIES: [(&str, &str, &str); 6] = [
    ("us-east-1", "acme.example", "acme"),
    ("us-east-1", "news@acme.example", "acme"),
    ("us-east-1", "sandbox.acme.example", "acme"),
    ("eu-west-1", "acme.example", "acme"),
    ("ap-southeast-2", "acme.example", "acme"),
    ("us-east-1", "globex.example", "globex"),
];

const SANDBOX_RECIPIENTS: [&str; 4] = [
    "qa@acme.example",
    "seed1@inbox.example",
    "seed2@inbox.example",
    "success@simulator.amazonses.example",
];

const CUSTOMERS: [&str; 6] = [
    "alice@example.org",
    "bob@example.net",
    "carol@example.com",
    "dan@mail.example",
    "erin@example.org",
    "frank@example.co",
];

const OFFICE_IPS: [&str; 4] = [
    "198.51.100.7",
    "198.51.100.200",
    "192.0.2.10",
    "2001:db8::5",
];
const OUTSIDE_IPS: [&str; 3] = ["203.0.113.9", "192.0.2.200", "2001:db9::1"];

/// The store: ten policies, one principal, six identities, one account.
pub fn store() -> Store {
    let p = PLATFORM;
    let id_any = format!("arn:aws:ses:*:{p}:identity/*");
    let us_acme = identity("us-east-1", "acme.example");
    let us_news = identity("us-east-1", "news@acme.example");
    let eu_acme = identity("eu-west-1", "acme.example");
    let sandbox = identity("us-east-1", "sandbox.acme.example");
    let config_sets = format!("arn:aws:ses:*:{p}:configuration-set/*");
    let topic = format!("arn:aws:sns:us-east-1:{p}:acme-bounces");
    let tag_match = || {
        cond(
            StringEquals,
            "aws:ResourceTag/tenant",
            &["${aws:PrincipalTag/tenant}"],
        )
    };
    let send = ["ses:SendEmail", "ses:SendRawEmail"];
    let mut store = Store::default();
    let mut add = |name: &str, statements| {
        store.policies.insert(name.to_owned(), policy(statements));
    };

    // --- SCP chain: root, OU, account ---
    add("FullAWSAccess", vec![allow("", &["*"], &["*"], vec![])]);
    add(
        "OuSesGuardrails",
        vec![
            allow("AllowSes", &["ses:*"], &["*"], vec![]),
            allow(
                "AllowSupportingServices",
                &["cloudwatch:*", "sns:*", "s3:*"],
                &["*"],
                vec![],
            ),
            deny(
                "DenyOutsideApprovedRegions",
                &["ses:*"],
                &["*"],
                vec![cond(
                    StringNotEquals,
                    "aws:RequestedRegion",
                    &["us-east-1", "eu-west-1"],
                )],
            ),
            deny(
                "DenyIdentityDeletion",
                &["ses:DeleteEmailIdentity", "ses:DeleteConfigurationSet"],
                &["*"],
                vec![],
            ),
            deny("DenyAccountChanges", &["ses:PutAccount*"], &["*"], vec![]),
        ],
    );
    add(
        "AccountScp",
        vec![
            allow(
                "AllowEmailStack",
                &["ses:*", "cloudwatch:*", "sns:*"],
                &["*"],
                vec![],
            ),
            deny(
                "DenySendingSwitch",
                &["ses:UpdateAccountSendingEnabled"],
                &["*"],
                vec![],
            ),
            deny(
                "DenyDedicatedIps",
                &["ses:PutDedicatedIp*", "ses:CreateDedicatedIpPool"],
                &["*"],
                vec![],
            ),
            deny("DenyExport", &["ses:CreateExportJob"], &["*"], vec![]),
            deny(
                "DenyLeavingTheOrganization",
                &["organizations:LeaveOrganization"],
                &["*"],
                vec![],
            ),
        ],
    );

    // --- Permissions boundary ---
    add(
        "TenantBoundary",
        vec![
            allow(
                "SendAndRead",
                &[
                    "ses:Send*",
                    "ses:Get*",
                    "ses:List*",
                    "ses:BatchGetMetricData",
                ],
                &["*"],
                vec![],
            ),
            allow(
                "ManageOwnIdentities",
                &[
                    "ses:CreateEmailIdentity",
                    "ses:TagResource",
                    "ses:PutEmailIdentity*",
                ],
                &[&id_any],
                vec![],
            ),
            allow(
                "Metrics",
                &["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                &["*"],
                vec![],
            ),
            allow(
                "Templates",
                &["s3:GetObject"],
                &["arn:aws:s3:::acme-templates/*"],
                vec![],
            ),
            allow(
                "TemplatesAndContacts",
                &["ses:*Template*", "ses:*Contact*"],
                &["*"],
                vec![],
            ),
            deny("NoSuppressionChanges", &["ses:*Suppress*"], &["*"], vec![]),
        ],
    );

    // --- Identity policies ---
    add(
        "AcmeSendOwnIdentities",
        vec![
            allow(
                "SendFromOwnIdentities",
                &send,
                &[&us_acme, &us_news, &eu_acme],
                vec![cond(
                    StringLike,
                    "ses:FromAddress",
                    &["*@acme.example", "news@acme.example"],
                )],
            ),
            allow(
                "TemplatedOnTaggedIdentities",
                &["ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail"],
                &[&id_any],
                vec![
                    tag_match(),
                    cond(StringLike, "ses:FromAddress", &["*@acme.example"]),
                ],
            ),
            allow(
                "SandboxRecipientsOnly",
                &["ses:SendEmail"],
                &[&sandbox],
                vec![
                    cond(StringLike, "ses:FromAddress", &["*@sandbox.acme.example"]),
                    for_all(StringEquals, "ses:Recipients", &SANDBOX_RECIPIENTS),
                ],
            ),
            deny(
                "NoRawFromNoreply",
                &["ses:SendRawEmail"],
                &[&us_acme],
                vec![cond(StringLike, "ses:FromAddress", &["noreply@*"])],
            ),
            allow(
                "ConfigurationSets",
                &["ses:SendEmail", "ses:SendRawEmail"],
                &[&format!(
                    "arn:aws:ses:us-east-1:{p}:configuration-set/acme-*"
                )],
                vec![],
            ),
            deny(
                "NoSendsFromOtherTenants",
                &["ses:Send*"],
                &[&identity("*", "globex.example")],
                vec![],
            ),
        ],
    );
    add(
        "SesReadOnly",
        vec![
            allow(
                "SesRead",
                &["ses:Get*", "ses:List*", "ses:Describe*"],
                &["*"],
                vec![],
            ),
            allow("SesMetrics", &["ses:BatchGetMetricData"], &["*"], vec![]),
        ],
    );
    add(
        "SesSendingWindow",
        vec![
            deny(
                "NotBeforeCampaign",
                &["ses:Send*"],
                &["*"],
                vec![cond(
                    DateLessThan,
                    "aws:CurrentTime",
                    &["2025-01-01T00:00:00Z"],
                )],
            ),
            deny(
                "NotAfterContract",
                &["ses:Send*"],
                &["*"],
                vec![cond(
                    DateGreaterThan,
                    "aws:CurrentTime",
                    &["2026-12-31T23:59:59Z"],
                )],
            ),
        ],
    );
    add(
        "SesSourceIpGuard",
        vec![deny(
            "OnlyFromOfficeNetworks",
            &["ses:*"],
            &["*"],
            vec![cond(
                NotIpAddress,
                "aws:SourceIp",
                &["198.51.100.0/24", "192.0.2.0/25", "2001:db8::/32"],
            )],
        )],
    );
    add(
        "SesTagBasedAdmin",
        vec![
            allow(
                "CreateTaggedForOwnTenant",
                &["ses:CreateEmailIdentity", "ses:TagResource"],
                &[&id_any],
                vec![
                    cond(
                        StringEquals,
                        "aws:RequestTag/tenant",
                        &["${aws:PrincipalTag/tenant}"],
                    ),
                    for_all(StringEquals, "aws:TagKeys", &["tenant", "cost-center"]),
                ],
            ),
            allow(
                "ManageOwnTagged",
                &["ses:GetEmailIdentity", "ses:PutEmailIdentity*"],
                &[&id_any],
                vec![tag_match()],
            ),
            allow(
                "ConfigurationSetAdmin",
                &["ses:CreateConfigurationSet*", "ses:PutConfigurationSet*"],
                &[&config_sets],
                vec![],
            ),
            allow(
                "SuppressionList",
                &[
                    "ses:PutSuppressedDestination",
                    "ses:DeleteSuppressedDestination",
                ],
                &["*"],
                vec![],
            ),
            deny("NoUntagging", &["ses:UntagResource"], &[&id_any], vec![]),
        ],
    );
    let templates = format!("arn:aws:ses:us-east-1:{p}:template/acme-*");
    let contacts = format!("arn:aws:ses:us-east-1:{p}:contact-list/acme-*");
    add(
        "AcmeTemplatesAndContacts",
        vec![
            allow(
                "ManageTemplates",
                &[
                    "ses:CreateEmailTemplate",
                    "ses:UpdateEmailTemplate",
                    "ses:GetEmailTemplate",
                    "ses:DeleteEmailTemplate",
                ],
                &[&templates],
                vec![],
            ),
            allow(
                "RenderTemplates",
                &["ses:TestRenderEmailTemplate"],
                &["*"],
                vec![],
            ),
            deny(
                "KeepProductionTemplates",
                &["ses:DeleteEmailTemplate"],
                &[&format!("arn:aws:ses:us-east-1:{p}:template/acme-prod-*")],
                vec![],
            ),
            allow(
                "SendWithTemplates",
                &["ses:SendTemplatedEmail"],
                &[&templates],
                vec![],
            ),
            allow("ListTemplates", &["ses:ListEmailTemplates"], &["*"], vec![]),
            allow(
                "ManageContacts",
                &[
                    "ses:CreateContact",
                    "ses:UpdateContact",
                    "ses:GetContact",
                    "ses:ListContacts",
                ],
                &[&contacts],
                vec![],
            ),
            deny(
                "KeepContactLists",
                &["ses:DeleteContactList"],
                &["*"],
                vec![],
            ),
            allow(
                "ListContactLists",
                &["ses:ListContactLists"],
                &["*"],
                vec![],
            ),
        ],
    );
    add(
        "CloudWatchAndBounces",
        vec![
            allow(
                "Metrics",
                &["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                &["*"],
                vec![],
            ),
            allow(
                "BounceTopic",
                &["sns:Publish", "sns:Subscribe"],
                &[&topic],
                vec![],
            ),
            allow(
                "DeliveryLogs",
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                &[&format!("arn:aws:logs:us-east-1:{p}:log-group:/ses/acme:*")],
                vec![],
            ),
            allow(
                "EventStream",
                &["firehose:PutRecord"],
                &[&format!(
                    "arn:aws:firehose:us-east-1:{p}:deliverystream/acme-events"
                )],
                vec![],
            ),
            allow(
                "Templates",
                &["s3:GetObject", "s3:ListBucket"],
                &[
                    "arn:aws:s3:::acme-templates",
                    "arn:aws:s3:::acme-templates/*",
                ],
                vec![],
            ),
        ],
    );

    store.principals.insert(
        TENANT.to_owned(),
        principal_entry(
            [
                "AcmeSendOwnIdentities",
                "SesReadOnly",
                "SesSendingWindow",
                "SesSourceIpGuard",
                "SesTagBasedAdmin",
                "AcmeTemplatesAndContacts",
                "CloudWatchAndBounces",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            Some("TenantBoundary"),
            &[("tenant", "acme")],
        ),
    );
    for (region, name, tenant) in IDENTITIES {
        store.resources.insert(
            identity(region, name),
            ResourceEntry {
                policies: Vec::new(),
                tags: vec![("tenant".to_owned(), tenant.to_owned())],
                account: None,
            },
        );
    }
    store.accounts.insert(
        PLATFORM.to_owned(),
        AccountEntry {
            scps: vec![
                vec!["FullAWSAccess".to_owned()],
                vec!["OuSesGuardrails".to_owned()],
                vec!["AccountScp".to_owned()],
            ],
            rcps: Vec::new(),
        },
    );
    store
}

fn region_of(arn: &str) -> &str {
    arn.split(':').nth(3).unwrap_or("")
}

/// The context every request carries (some keys dropped at random).
fn base_context(rng: &mut Rng, resource: &str) -> Vec<(String, Vec<String>)> {
    let mut context = Vec::new();
    if !rng.chance(5) {
        context.push(one("aws:CurrentTime", time(rng, 2025, 2)));
    }
    context.push(one("aws:SourceIp", rng.pick(&OFFICE_IPS)));
    // Calls on `*` (List, Get account) go to the tenant's home region.
    let region = match region_of(resource) {
        "" => "us-east-1",
        r => r,
    };
    context.push(one("aws:RequestedRegion", region));
    context
}

fn send_context(
    rng: &mut Rng,
    resource: &str,
    from: String,
    recipients: Option<Vec<String>>,
) -> Vec<(String, Vec<String>)> {
    let mut context = base_context(rng, resource);
    context.push(one("ses:FromAddress", from));
    if let Some(recipients) = recipients {
        context.push(("ses:Recipients".to_owned(), recipients));
    }
    context
}

fn customers(rng: &mut Rng) -> Vec<String> {
    let n = 1 + rng.below(3);
    (0..n).map(|_| rng.pick(&CUSTOMERS).to_owned()).collect()
}

fn set(context: &mut [(String, Vec<String>)], key: &str, value: String) {
    for (k, v) in context.iter_mut() {
        if k == key {
            *v = vec![value.clone()];
        }
    }
}

fn drop_key(context: &mut Vec<(String, Vec<String>)>, key: &str) {
    context.retain(|(k, _)| k != key);
}

/// One request of the stream.
fn one_request(rng: &mut Rng) -> Request {
    let us_acme = identity("us-east-1", "acme.example");
    let own_literal = [
        us_acme.clone(),
        identity("us-east-1", "news@acme.example"),
        identity("eu-west-1", "acme.example"),
    ];
    let local = rng.pick(&["news", "billing", "hello", "team", "noreply"]);
    match rng.below(100) {
        // Sends from the tenant's own identities, by literal ARN.
        0..=29 => {
            let resource = own_literal.get(rng.below(3)).cloned().unwrap_or_default();
            let action = rng.pick(&["ses:SendEmail", "ses:SendRawEmail"]);
            let from = format!("{local}@acme.example");
            let recipients = (!rng.chance(10)).then(|| customers(rng));
            let context = send_context(rng, &resource, from, recipients);
            request(TENANT, action, &resource, context)
        }
        // Templated sends reach identities only through the tag wildcard.
        30..=41 => {
            let (region, name, _) = IDENTITIES
                .get(rng.below(IDENTITIES.len()))
                .copied()
                .unwrap_or(IDENTITIES[0]);
            let resource = identity(region, name);
            let action = rng.pick(&["ses:SendTemplatedEmail", "ses:SendBulkTemplatedEmail"]);
            let from = format!("{local}@acme.example");
            let recipients = Some(customers(rng));
            let context = send_context(rng, &resource, from, recipients);
            request(TENANT, action, &resource, context)
        }
        // The sandbox identity: recipients inside, outside or absent.
        42..=49 => {
            let resource = identity("us-east-1", "sandbox.acme.example");
            let recipients = match rng.below(3) {
                0 => Some(vec![rng.pick(&SANDBOX_RECIPIENTS).to_owned()]),
                1 => Some(vec![
                    rng.pick(&SANDBOX_RECIPIENTS).to_owned(),
                    rng.pick(&CUSTOMERS).to_owned(),
                ]),
                _ => None,
            };
            let from = format!("{local}@sandbox.acme.example");
            let context = send_context(rng, &resource, from, recipients);
            request(TENANT, "ses:SendEmail", &resource, context)
        }
        // A From address outside the tenant's domain.
        50..=56 => {
            let resource = own_literal.get(rng.below(3)).cloned().unwrap_or_default();
            let from = format!(
                "{local}@{}",
                rng.pick(&["acme-mail.example", "gmail.example", "acme.example.net"])
            );
            let recipients = Some(customers(rng));
            let context = send_context(rng, &resource, from, recipients);
            request(TENANT, "ses:SendEmail", &resource, context)
        }
        // Outside the office networks, or no source IP at all.
        57..=62 => {
            let resource = us_acme.clone();
            let from = format!("{local}@acme.example");
            let recipients = Some(customers(rng));
            let mut context = send_context(rng, &resource, from, recipients);
            if rng.chance(70) {
                set(
                    &mut context,
                    "aws:SourceIp",
                    rng.pick(&OUTSIDE_IPS).to_owned(),
                );
            } else {
                drop_key(&mut context, "aws:SourceIp");
            }
            request(TENANT, "ses:SendEmail", &resource, context)
        }
        // Outside the sending window.
        63..=67 => {
            let resource = us_acme.clone();
            let from = format!("{local}@acme.example");
            let recipients = Some(customers(rng));
            let mut context = send_context(rng, &resource, from, recipients);
            drop_key(&mut context, "aws:CurrentTime");
            let year = if rng.chance(50) { 2024 } else { 2027 };
            context.push(one("aws:CurrentTime", time(rng, year, 1)));
            request(TENANT, "ses:SendEmail", &resource, context)
        }
        // A region the OU does not allow.
        68..=71 => {
            let resource = identity("ap-southeast-2", "acme.example");
            let from = format!("{local}@acme.example");
            let recipients = Some(customers(rng));
            let context = send_context(rng, &resource, from, recipients);
            request(TENANT, "ses:SendEmail", &resource, context)
        }
        // Reading.
        72..=81 => {
            let (action, resource) = match rng.below(5) {
                0 => ("ses:ListEmailIdentities", "*".to_owned()),
                1 => ("ses:GetAccount", "*".to_owned()),
                2 => (
                    "ses:GetEmailTemplate",
                    format!("arn:aws:ses:us-east-1:{PLATFORM}:template/acme-{local}"),
                ),
                3 => (
                    "ses:DeleteEmailTemplate",
                    format!(
                        "arn:aws:ses:us-east-1:{PLATFORM}:template/acme-{}-{local}",
                        rng.pick(&["prod", "test"])
                    ),
                ),
                _ => (
                    "ses:GetEmailIdentity",
                    own_literal.get(rng.below(3)).cloned().unwrap_or_default(),
                ),
            };
            let context = base_context(rng, &resource);
            request(TENANT, action, &resource, context)
        }
        // Deleting an identity: the OU forbids it.
        82..=84 => {
            let context = base_context(rng, &us_acme);
            request(TENANT, "ses:DeleteEmailIdentity", &us_acme, context)
        }
        // Creating an identity, tagged for this tenant or another.
        85..=89 => {
            let resource = identity("us-east-1", &format!("{local}.acme.example"));
            let mut context = base_context(rng, &resource);
            let tenant = if rng.chance(60) { "acme" } else { "globex" };
            context.push(one("aws:RequestTag/tenant", tenant));
            context.push(("aws:TagKeys".to_owned(), vec!["tenant".to_owned()]));
            request(TENANT, "ses:CreateEmailIdentity", &resource, context)
        }
        // Configuration sets: allowed by identity policy, not by the boundary.
        90..=93 => {
            let resource =
                format!("arn:aws:ses:us-east-1:{PLATFORM}:configuration-set/acme-{local}");
            let context = base_context(rng, &resource);
            request(TENANT, "ses:CreateConfigurationSet", &resource, context)
        }
        // Metrics (allowed) and the bounce topic (outside the boundary).
        94..=96 => {
            if rng.chance(50) {
                let context = base_context(rng, "*");
                request(TENANT, "cloudwatch:GetMetricData", "*", context)
            } else {
                let resource = format!("arn:aws:sns:us-east-1:{PLATFORM}:acme-bounces");
                let context = base_context(rng, &resource);
                request(TENANT, "sns:Publish", &resource, context)
            }
        }
        // The suppression list: the boundary denies it.
        _ => {
            let context = base_context(rng, "*");
            request(TENANT, "ses:PutSuppressedDestination", "*", context)
        }
    }
}

/// The W1 store and `requests` requests from `seed`.
pub fn generate(seed: u64, requests: usize) -> (Store, Vec<Request>) {
    let mut rng = Rng::new(seed);
    let stream = (0..requests).map(|_| one_request(&mut rng)).collect();
    (store(), stream)
}
