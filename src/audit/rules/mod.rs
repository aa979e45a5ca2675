//! The audit's rules: one check per code, its messages and fix beside it,
//! grouped by what they read (the lock-down, the other connectors, transport
//! rules, the allow list, MX, organization settings, the gateway, and the
//! paths the mail-flow model follows: `paths.rs`). [`RULES`]
//! lists them, one line a code, and the audit runs them in code order.
//!
//! A new code touches: `codes.rs` (code, severity, title), a check here
//! (its family's file, or a new one) and its line in [`RULES`],
//! `explain/MFAnnn.md`, and a fixture patch
//! `tests/fixtures/audit/MFAnnn-*.patch.json` (`tests/audit.rs` enforces
//! the last three).

mod allow_list;
mod connectors;
mod gateway;
mod lockdown;
mod mx;
mod organization;
mod paths;
mod scl;

use super::{AuditCode, AuditFinding, Context};

/// What the rules found, and what they could not examine (without a
/// topology, some checks need the gateway the export did not tell; MFA014
/// lists them).
#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<AuditFinding>,
    pub not_examined: Vec<&'static str>,
}

impl Found {
    pub fn push(&mut self, finding: AuditFinding) {
        self.findings.push(finding);
    }

    /// Several codes of a family share one note: it is listed once, where
    /// the first of them left it.
    pub fn not_examined(&mut self, what: &'static str) {
        if !self.not_examined.contains(&what) {
            self.not_examined.push(what);
        }
    }
}

/// One rule: its code and its check.
#[derive(Clone, Copy)]
pub struct AuditRule {
    pub code: AuditCode,
    /// Pushes the findings of `code` only, so that a code's check is found
    /// from its code through this table.
    pub check: fn(&Context<'_>, &mut Found),
}

/// Every rule, in code order.
// One line a rule, kept a table: rustfmt would spread each over four.
#[rustfmt::skip]
pub const RULES: &[AuditRule] = &[
    AuditRule { code: AuditCode::LockdownMissing, check: lockdown::mfa001 },
    AuditRule { code: AuditCode::LockdownPartial, check: lockdown::mfa002 },
    AuditRule { code: AuditCode::BroadPartnerConnector, check: connectors::mfa003 },
    AuditRule { code: AuditCode::BroadOnPremisesConnector, check: connectors::mfa004 },
    AuditRule { code: AuditCode::SclBypassRule, check: scl::mfa005 },
    AuditRule { code: AuditCode::SclBypassWithEf, check: scl::mfa006 },
    AuditRule { code: AuditCode::ForeignAllowListEntry, check: allow_list::mfa007 },
    AuditRule { code: AuditCode::MxAtMicrosoft365, check: mx::mfa008 },
    AuditRule { code: AuditCode::MxNotExamined, check: mx::mfa009 },
    AuditRule { code: AuditCode::DirectSendAllowed, check: organization::mfa010 },
    AuditRule { code: AuditCode::EnhancedFilteringOff, check: connectors::mfa011 },
    AuditRule { code: AuditCode::EnhancedFilteringPilot, check: connectors::mfa012 },
    AuditRule { code: AuditCode::ArcSealerNotTrusted, check: organization::mfa013 },
    AuditRule { code: AuditCode::GatewayUnidentified, check: gateway::mfa014 },
    AuditRule { code: AuditCode::OnMicrosoftOpen, check: paths::mfa015 },
    AuditRule { code: AuditCode::OnMicrosoftOpenByChoice, check: paths::mfa016 },
    AuditRule { code: AuditCode::LockdownAdmitsTenants, check: paths::mfa017 },
    AuditRule { code: AuditCode::OnPremisesAttribution, check: paths::mfa018 },
];
