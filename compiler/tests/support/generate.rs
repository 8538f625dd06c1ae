//! The store and request generator shared by the differential proptest
//! (`compiler/tests/differential.rs`) and the `differential` fuzz target
//! (`fuzz/fuzz_targets/differential.rs`): a stream of small numbers picks
//! every choice, so proptest can shrink it and libFuzzer can mutate it.
#![allow(
    dead_code,
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sesame_spec::model::Polarity;
use sesame_spec::model::{
    ActionClause, BaseOperator, Condition, Effect, Operator, Policy, PrincipalClause,
    PrincipalKind, Principals, ResourceClause, SetQualifier, Statement, Version,
};
use sesame_spec::store::{AccountEntry, PrincipalEntry, ResourceEntry};
use sesame_spec::{Request, Store};

/// A stream of choices.
pub struct Choices<'a> {
    /// The choices.
    pub data: &'a [u16],
    /// How many have been used.
    pub pos: usize,
}

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        let v = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        if n == 0 { 0 } else { v as usize % n }
    }
    fn one<'p>(&mut self, pool: &[&'p str]) -> &'p str {
        pool[self.pick(pool.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.pick(100) < percent
    }
    fn some(&mut self, pool: &[&str], max: usize) -> Vec<String> {
        let n = 1 + self.pick(max);
        (0..n).map(|_| self.one(pool).to_owned()).collect()
    }
}

pub const A1: &str = "111122223333";
pub const A2: &str = "444455556666";

pub const CALLERS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/team/bob",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:sts::111122223333:assumed-role/Sender/s1",
    "arn:aws:sts::111122223333:assumed-role/PathRole/s2",
    "arn:aws:sts::444455556666:assumed-role/Sender/x",
    "arn:aws:sts::111122223333:assumed-role/Ghost/g",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::444455556666:root",
    "arn:aws:sts::111122223333:federated-user/fed",
    "arn:aws:iam::111122223333:role/Sender",
    "ses.amazonaws.com",
    "arn:aws:iam::111122223333:user/al*ce",
    "arn:aws:iam::111122223333:user/ΑΣ",
    "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSES/x",
    "arn:aws:iam::111122223333:role/aws-service-role/ses.amazonaws.com/AWSServiceRoleForSES",
    "lambda.amazonaws.com.cn",
];

/// Principals every engine must refuse.
pub const BAD_CALLERS: &[&str] = &[
    "not-an-arn",
    "arm:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333",
    "bad..amazonaws.com",
];

pub const STORE_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/team/bob",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:iam::111122223333:role/Sender",
    "arn:aws:iam::111122223333:role/a/Sender",
    "arn:aws:iam::111122223333:role/path/PathRole",
    "arn:aws:iam::444455556666:role/Sender",
    "arn:aws:iam::111122223333:root",
    "arn:aws:sts::111122223333:federated-user/fed",
    "arn:aws:iam::111122223333:user/al*ce",
    "arn:aws:iam::111122223333:role/aws-service-role/ses.amazonaws.com/AWSServiceRoleForSES",
];

pub const RESOURCES: &[&str] = &[
    "arn:aws:ses:us-east-1:111122223333:identity/example.com",
    "arn:aws:ses:us-east-1:444455556666:identity/example.org",
    "arn:aws:s3:::bucket/alice/file.txt",
    "arn:aws:s3:::bucket/x:y",
    "arn:aws:kms:us-east-1:111122223333:key/k1",
    "arn:aws:iam::111122223333:role/Sender",
    "*",
    "arn:aws:s3:::bucket/al*ce/f",
];

pub const ACTIONS: &[&str] = &[
    "ses:SendEmail",
    "SES:sendrawemail",
    "ses:CreateEmailIdentity",
    "s3:GetObject",
    "kms:Decrypt",
    "sts:AssumeRole",
    "iam:PassRole",
    "ses:SendBulkTemplatedEmail",
    "ses:Sendxmail",
];

pub const ACTION_PATTERNS: &[&str] = &[
    "*",
    "ses:*",
    "ses:Send*",
    "ses:send?mail",
    "ses:SendEmail",
    "s3:Get*",
    "*:Decrypt",
    "ses:*Identity",
    "sts:AssumeRole",
    "kms:*",
    "s3:GetObject",
    "iam:Pass?ole",
    "SES:SENDRAWEMAIL",
];

pub const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:ses:*:111122223333:identity/*",
    "arn:aws:ses:us-east-1:*:identity/example.com",
    "arn:aws:ses:us-*-1:111122223333:identity/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/x?y",
    "arn:aws:ses:*",
    "arn:aws:kms:*:*:key/*",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'alice'}/*",
    "arn:aws:ses:us-east-1:${aws:PrincipalAccount}:identity/*",
    "arn:aws:s3:::bucket/${*}/f",
    "arn:aws:s3:::bucket/${bad, nodefault}/*",
    "arn:aws:s3:::bucket/${x",
    "arn:aws:ses:us-east-1:111122223333:identity/example.com",
    "arn:aws:s3:::bucket/${ses:Recipients}/*",
    "arn:aws:*:${aws:SourceIp}",
];

pub const PRINCIPAL_VALUES: &[&str] = &[
    "*",
    "111122223333",
    "444455556666",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:iam::111122223333:role/Sender",
    "arn:aws:iam::111122223333:role/a/Sender",
    "arn:aws:sts::111122223333:assumed-role/Sender/s1",
    "arn:aws:iam::111122223333:role/Ghost",
    "arn:aws:sts::111122223333:federated-user/fed",
];

pub const KEYS: &[&str] = &[
    "ses:FromAddress",
    "aws:username",
    "aws:PrincipalTag/team",
    "aws:ResourceTag/env",
    "aws:SourceIp",
    "aws:CurrentTime",
    "n:count",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:ResourceAccount",
    "aws:SecureTransport",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "ses:Recipients",
    "AWS:USERNAME",
    "aws:principaltag/TEAM",
];

pub const STRINGS: &[&str] = &[
    "alice",
    "a*",
    "*@example.com",
    "news@example.com",
    "${aws:username}",
    "${aws:PrincipalTag/team}",
    "User",
    "AssumedRole",
    "111122223333",
    "${aws:missing, 'dflt'}",
    "dflt",
    "true",
    "ALICE",
    "a?ice",
    "mail",
    "${ses:Recipients}",
    "prod",
    "${*}",
    "ses.amazonaws.com",
];
pub const NUMBERS: &[&str] = &["1", "10", "2.5", "-3", "1e2", "x", "010"];
pub const DATES: &[&str] = &[
    "2020-01-01T00:00:00Z",
    "1577836800",
    "2030-06-01",
    "bad",
    "2020-01-01T01:00:00+01:00",
];
pub const BOOLS: &[&str] = &["true", "false", "TRUE", "yes"];
pub const IPS: &[&str] = &[
    "10.0.0.0/8",
    "203.0.113.7",
    "2001:db8::/32",
    "10.0.0.0/33",
    "bad",
    "10.1.2.3",
];
pub const ARNS: &[&str] = &[
    "arn:aws:iam::111122223333:user/*",
    "arn:aws:sts::111122223333:assumed-role/Sender/*",
    "arn:aws:iam::*:root",
    "arn:aws:iam::*",
    "arn:aws:*:*:*:*",
    "${aws:PrincipalArn}",
    "*",
    "arn:aws:iam::111122223333:role/Sender",
];
pub const NULLS: &[&str] = &["true", "false", "TRUE", "maybe"];
pub const BINARIES: &[&str] = &["QUJD", "abc"];

pub fn operator(c: &mut Choices<'_>) -> (BaseOperator, &'static [&'static str]) {
    use BaseOperator as B;
    let all: &[(BaseOperator, &[&str])] = &[
        (B::StringEquals, STRINGS),
        (B::StringNotEquals, STRINGS),
        (B::StringEqualsIgnoreCase, STRINGS),
        (B::StringNotEqualsIgnoreCase, STRINGS),
        (B::StringLike, STRINGS),
        (B::StringNotLike, STRINGS),
        (B::NumericEquals, NUMBERS),
        (B::NumericNotEquals, NUMBERS),
        (B::NumericLessThan, NUMBERS),
        (B::NumericLessThanEquals, NUMBERS),
        (B::NumericGreaterThan, NUMBERS),
        (B::NumericGreaterThanEquals, NUMBERS),
        (B::DateEquals, DATES),
        (B::DateNotEquals, DATES),
        (B::DateLessThan, DATES),
        (B::DateLessThanEquals, DATES),
        (B::DateGreaterThan, DATES),
        (B::DateGreaterThanEquals, DATES),
        (B::Bool, BOOLS),
        (B::BinaryEquals, BINARIES),
        (B::IpAddress, IPS),
        (B::NotIpAddress, IPS),
        (B::ArnEquals, ARNS),
        (B::ArnLike, ARNS),
        (B::ArnNotEquals, ARNS),
        (B::ArnNotLike, ARNS),
        (B::Null, NULLS),
    ];
    all[c.pick(all.len())]
}

pub fn condition(c: &mut Choices<'_>) -> Condition {
    let (base, pool) = operator(c);
    let (qualifier, if_exists) = if base == BaseOperator::Null {
        (None, false)
    } else {
        let q = match c.pick(4) {
            0 => Some(SetQualifier::ForAllValues),
            1 => Some(SetQualifier::ForAnyValue),
            _ => None,
        };
        (q, c.chance(25))
    };
    Condition {
        operator: Operator {
            qualifier,
            base,
            if_exists,
        },
        key: c.one(KEYS).to_owned(),
        values: c.some(pool, 2),
    }
}

pub fn statement(c: &mut Choices<'_>, with_principal: bool) -> Statement {
    let principal = if with_principal {
        let principals = if c.chance(20) {
            Principals::Any
        } else {
            let mut map = vec![(PrincipalKind::Aws, c.some(PRINCIPAL_VALUES, 3))];
            if c.chance(25) {
                map.push((PrincipalKind::Service, vec!["ses.amazonaws.com".to_owned()]));
            }
            if c.chance(10) {
                map.push((
                    PrincipalKind::Federated,
                    vec!["arn:aws:sts::111122223333:federated-user/fed".to_owned()],
                ));
            }
            Principals::Map(map)
        };
        Some(PrincipalClause {
            polarity: if c.chance(20) {
                Polarity::Not
            } else {
                Polarity::Is
            },
            principals,
        })
    } else {
        None
    };
    let resource = if with_principal && c.chance(30) {
        None
    } else {
        Some(ResourceClause {
            polarity: if c.chance(15) {
                Polarity::Not
            } else {
                Polarity::Is
            },
            patterns: c.some(RESOURCE_PATTERNS, 2),
        })
    };
    let n_conditions = [0, 0, 0, 1, 1, 2][c.pick(6)];
    Statement {
        sid: if c.chance(50) {
            Some(format!("S{}", c.pick(4)))
        } else {
            None
        },
        effect: if c.chance(25) {
            Effect::Deny
        } else {
            Effect::Allow
        },
        principal,
        action: ActionClause {
            polarity: if c.chance(15) {
                Polarity::Not
            } else {
                Polarity::Is
            },
            patterns: c.some(ACTION_PATTERNS, 2),
        },
        resource,
        conditions: (0..n_conditions).map(|_| condition(c)).collect(),
    }
}

pub fn policy(c: &mut Choices<'_>, with_principal: bool) -> Policy {
    let n = 1 + c.pick(3);
    Policy {
        version: match c.pick(6) {
            0 => Version::V2008_10_17,
            1 => Version::Absent,
            _ => Version::V2012_10_17,
        },
        id: None,
        statements: (0..n).map(|_| statement(c, with_principal)).collect(),
    }
}

pub fn names(c: &mut Choices<'_>, pool: &[String], max: usize) -> Vec<String> {
    if pool.is_empty() {
        return Vec::new();
    }
    let n = c.pick(max + 1);
    (0..n).map(|_| pool[c.pick(pool.len())].clone()).collect()
}

pub fn tags(c: &mut Choices<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for key in ["team", "env", "Team"] {
        if c.chance(40) && !out.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            out.push((
                key.to_owned(),
                c.one(&["alice", "mail", "prod", "dev"]).to_owned(),
            ));
        }
    }
    out
}

pub fn store(c: &mut Choices<'_>) -> Store {
    let mut store = Store::default();
    let mut identity = Vec::new();
    let mut resource = Vec::new();
    for i in 0..1 + c.pick(4) {
        let name = format!("Id{i}");
        store.policies.insert(name.clone(), policy(c, false));
        identity.push(name);
    }
    for i in 0..c.pick(4) {
        let name = format!("Res{i}");
        store.policies.insert(name.clone(), policy(c, true));
        resource.push(name);
    }
    if c.chance(30) {
        // The same body under another name.
        if let Some(p) = store.policies.get("Id0").cloned() {
            store.policies.insert("Copy".to_owned(), p);
            identity.push("Copy".to_owned());
        }
    }
    for arn in STORE_PRINCIPALS {
        if c.chance(60) {
            store.principals.insert(
                (*arn).to_owned(),
                PrincipalEntry {
                    policies: names(c, &identity, 2),
                    boundary: if c.chance(20) {
                        Some(identity[c.pick(identity.len())].clone())
                    } else {
                        None
                    },
                    tags: tags(c),
                },
            );
        }
    }
    for arn in RESOURCES {
        if c.chance(50) {
            store.resources.insert(
                (*arn).to_owned(),
                ResourceEntry {
                    policies: names(c, &resource, 2),
                    tags: tags(c),
                    account: match c.pick(5) {
                        0 => Some(A1.to_owned()),
                        1 => Some(A2.to_owned()),
                        _ => None,
                    },
                },
            );
        }
    }
    for account in [A1, A2] {
        if c.chance(40) {
            let levels = |c: &mut Choices<'_>, pool: &[String]| -> Vec<Vec<String>> {
                (0..c.pick(3)).map(|_| names(c, pool, 2)).collect()
            };
            let scps = levels(c, &identity);
            let rcps = if c.chance(40) {
                levels(c, &resource)
            } else {
                Vec::new()
            };
            store
                .accounts
                .insert(account.to_owned(), AccountEntry { scps, rcps });
        }
    }
    store
}

pub fn flip_case(c: &mut Choices<'_>, s: &str) -> String {
    match c.pick(4) {
        0 => s.to_uppercase(),
        1 => s.to_lowercase(),
        _ => s.to_owned(),
    }
}

pub fn request(c: &mut Choices<'_>, store: &Store) -> Request {
    let caller = if c.chance(4) {
        c.one(BAD_CALLERS)
    } else {
        c.one(CALLERS)
    };
    let mut r = Request::new(caller, c.one(ACTIONS), c.one(RESOURCES));
    if c.chance(20) {
        r.action = flip_case(c, &r.action);
    }
    r.context = context(c);
    let session_caller =
        r.principal.contains(":assumed-role/") || r.principal.contains(":federated-user/");
    r.session_policy = match c.pick(if session_caller { 8 } else { 80 }) {
        0 => Some("Nope".to_owned()),
        1 => store
            .policies
            .keys()
            .nth(c.pick(store.policies.len()))
            .cloned(),
        2..=5 => {
            let fit: Vec<&String> = store
                .policies
                .keys()
                .filter(|k| !k.starts_with("Res"))
                .collect();
            Some(fit[c.pick(fit.len())].clone())
        }
        _ => None,
    };
    r
}

/// A request context: up to three keys (any case) with zero to three values
/// each, from pools of every type.
pub fn context(c: &mut Choices<'_>) -> Vec<(String, Vec<String>)> {
    let mut context: Vec<(String, Vec<String>)> = Vec::new();
    for _ in 0..c.pick(4) {
        let key = c.one(KEYS);
        let key = flip_case(c, key);
        if context
            .iter()
            .any(|(k, _)| k.to_lowercase() == key.to_lowercase())
        {
            continue;
        }
        let pool: &[&str] = match c.pick(6) {
            0 => NUMBERS,
            1 => DATES,
            2 => IPS,
            3 => BOOLS,
            4 => ARNS,
            _ => STRINGS,
        };
        let n = c.pick(4);
        let values = (0..n).map(|_| c.one(pool).to_owned()).collect();
        context.push((key, values));
    }
    context
}
