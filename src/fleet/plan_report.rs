//! A fleet's plan for a reviewer: the changes of many tenants, each distinct
//! change once with the tenants it concerns (a change to a shared base is
//! one row, not one per tenant), the files to run grouped the same way, and
//! a Markdown form that stays under GitHub's comment limit.

use crate::targets::diff::{self, md, md_code, Change, PlanDiff};
use std::collections::BTreeMap;

/// GitHub refuses a comment body over 65,536 characters; leave room for
/// what a workflow wraps around it.
pub const MARKDOWN_LIMIT: usize = 60_000;

/// How many tenant names a group shows before it counts the rest.
const NAMES_SHOWN: usize = 10;

/// One distinct change and the tenants (by index) it concerns.
pub struct Group {
    pub change: Change,
    pub tenants: Vec<usize>,
}

/// One list of files to run and the tenants that need exactly it.
pub struct Apply {
    pub plan: PlanDiff,
    pub tenants: Vec<usize>,
}

/// How a fleet's plan writes a tenant's routed domain, so that one change
/// to a shared base is one row for every tenant, whatever its domains.
pub const EACH_DOMAIN: &str = "<domain>";

/// `text` with every path segment that names one of `domains` (or its
/// octoDNS file) written as [`EACH_DOMAIN`].
fn generic_path(text: &str, domains: &[&str]) -> String {
    text.split('/')
        .map(|segment| {
            for domain in domains {
                if segment == *domain {
                    return EACH_DOMAIN.to_owned();
                }
                if segment.strip_suffix(".yaml") == Some(domain) {
                    return format!("{EACH_DOMAIN}.yaml");
                }
            }
            segment.to_owned()
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A change with the tenant's domains written as [`EACH_DOMAIN`].
fn generic(change: &Change, domains: &[&str]) -> Change {
    let mut out = change.clone();
    if domains.contains(&change.name.as_str()) {
        out.name = EACH_DOMAIN.to_owned();
        out.key = generic_path(&change.key, domains);
    }
    out.run = out.run.iter().map(|f| generic_path(f, domains)).collect();
    out.rollback = out.rollback.map(|f| generic_path(&f, domains));
    out.note = out.note.map(|n| generic_path(&n, domains));
    out
}

/// A tenant's plan with its domains written as [`EACH_DOMAIN`]; files
/// that then repeat are listed once. A tenant's domains are the names of
/// its DNS changes (`dns/<domain>/<phase>`).
fn generic_plan(plan: &PlanDiff) -> PlanDiff {
    let domains: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.target == "dns")
        .filter_map(|c| c.key.split('/').nth(1))
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut apply = Vec::new();
    for step in &plan.apply {
        let step = diff::PlannedStep {
            file: step.file.as_ref().map(|f| generic_path(f, &domains)),
            what: generic_path(&step.what, &domains),
            ..step.clone()
        };
        if seen.insert(step.clone()) {
            apply.push(step);
        }
    }
    PlanDiff {
        base: plan.base.clone(),
        changes: plan.changes.iter().map(|c| generic(c, &domains)).collect(),
        apply,
        // Each tenant's own tree: said generically, so tenants still group.
        base_tree: None,
    }
}

/// The fleet's plans grouped: identical changes once, in the order of the
/// first tenant that has them.
pub struct FleetPlan<'a> {
    pub names: Vec<&'a str>,
    pub plans: Vec<&'a PlanDiff>,
    pub groups: Vec<Group>,
    pub applies: Vec<Apply>,
}

fn key<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub fn group<'a>(tenants: &[(&'a str, &'a PlanDiff)]) -> FleetPlan<'a> {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut applies: Vec<Apply> = Vec::new();
    let mut apply_by_key: BTreeMap<String, usize> = BTreeMap::new();
    for (index, (_, plan)) in tenants.iter().enumerate() {
        let plan = generic_plan(plan);
        for change in &plan.changes {
            let slot = *by_key.entry(key(change)).or_insert_with(|| {
                groups.push(Group {
                    change: change.clone(),
                    tenants: Vec::new(),
                });
                groups.len() - 1
            });
            // A tenant with several domains meets a generic change again.
            if groups[slot].tenants.last() != Some(&index) {
                groups[slot].tenants.push(index);
            }
        }
        if !plan.apply.is_empty() {
            let slot = *apply_by_key.entry(key(&plan.apply)).or_insert_with(|| {
                applies.push(Apply {
                    plan: plan.clone(),
                    tenants: Vec::new(),
                });
                applies.len() - 1
            });
            applies[slot].tenants.push(index);
        }
    }
    FleetPlan {
        names: tenants.iter().map(|(n, _)| *n).collect(),
        plans: tenants.iter().map(|(_, p)| *p).collect(),
        groups,
        applies,
    }
}

impl FleetPlan<'_> {
    fn changed(&self) -> usize {
        self.plans.iter().filter(|p| !p.is_empty()).count()
    }

    /// The tenants a group names, all of them or the first few and a count.
    fn tenants(&self, indices: &[usize], all: bool, code: bool) -> String {
        let show = |i: &usize| {
            if code {
                md_code(self.names[*i])
            } else {
                self.names[*i].to_owned()
            }
        };
        if indices.len() == self.names.len() && self.names.len() > 1 {
            return format!("all {} tenants", self.names.len());
        }
        let shown: Vec<String> = if all || indices.len() <= NAMES_SHOWN {
            indices.iter().map(show).collect()
        } else {
            let mut some: Vec<String> = indices.iter().take(NAMES_SHOWN).map(show).collect();
            some.push(format!("and {} more", indices.len() - NAMES_SHOWN));
            some
        };
        format!("{} ({})", shown.join(", "), indices.len())
    }

    /// Which tenants have no base (first build, new tenant), said once.
    fn bases(&self, all: bool, code: bool) -> Vec<String> {
        let mut by_status: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, plan) in self.plans.iter().enumerate() {
            if let Some(base) = &plan.base {
                by_status.entry(base.status).or_default().push(index);
            }
        }
        let mut out = Vec::new();
        for (status, indices) in by_status {
            let what = match status {
                "found" => "compared with their committed tree",
                "new-tenant" => "new tenants (no tree in the base; everything is added)",
                _ => "a first build (no tree at all in the base; everything is added)",
            };
            out.push(format!("{what}: {}", self.tenants(&indices, all, code)));
        }
        out
    }

    fn heading(&self) -> String {
        format!(
            "{} tenant(s), {} with changes, {} distinct change(s)",
            self.names.len(),
            self.changed(),
            self.groups.len()
        )
    }

    /// The fleet's plan as Markdown; `all` names every tenant of a group,
    /// `summary` leaves out the details and the files.
    pub fn markdown(&self, all: bool, summary: bool) -> String {
        let mut out = format!("### mailflowc plan: {}\n\n", self.heading());
        if self.groups.iter().any(|g| g.change.name == EACH_DOMAIN) {
            out.push_str(&format!(
                "{} stands for each routed domain of the tenants a row names.\n\n",
                md_code(EACH_DOMAIN)
            ));
        }
        for line in self.bases(all, true) {
            out.push_str(&format!("- {line}\n"));
        }
        out.push('\n');
        if self.groups.is_empty() {
            out.push_str("No changes.\n");
            return out;
        }
        if summary {
            out.push_str("| tenants | target | object | change | when |\n|---|---|---|---|---|\n");
        } else {
            out.push_str(
                "| tenants | target | object | change | when | details | run |\n|---|---|---|---|---|---|---|\n",
            );
        }
        for group in &self.groups {
            let c = &group.change;
            let tenants = self.tenants(&group.tenants, all, true);
            let object = format!("{} {}", md(&c.kind), md(&c.name));
            let change = diff::change_word(c);
            if summary {
                out.push_str(&format!(
                    "| {tenants} | {} | {object} | {change} | {} |\n",
                    md(&c.target),
                    md(&c.when)
                ));
            } else {
                let (details, run) = diff::markdown_cells(c);
                out.push_str(&format!(
                    "| {tenants} | {} | {object} | {change} | {} | {details} | {run} |\n",
                    md(&c.target),
                    md(&c.when)
                ));
            }
        }
        if summary {
            return out;
        }
        for apply in &self.applies {
            out.push_str(&format!(
                "\n**To apply** in the tree of {}, in runbook order:\n\n",
                self.tenants(&apply.tenants, all, true)
            ));
            out.push_str(&diff::markdown_apply(&apply.plan));
        }
        out.push_str(&format!("\n{}\n", md(diff::ROLLBACK_NOTE)));
        out
    }

    /// The Markdown a pull-request comment can hold: the whole plan when it
    /// fits in [`MARKDOWN_LIMIT`], else a summary that says where the whole
    /// plan is (`full`: a file it was written to, or how to print it).
    pub fn markdown_within_limit(&self, summary: bool, full: &str) -> String {
        let whole = self.markdown(true, summary);
        if whole.chars().count() <= MARKDOWN_LIMIT {
            return whole;
        }
        let mut note =
            format!("_This plan is shortened to fit a pull-request comment: {full}._\n\n");
        let short = self.markdown(false, summary);
        if short.chars().count() + note.len() <= MARKDOWN_LIMIT {
            note.push_str(&short);
            return note;
        }
        // Still too long (many distinct changes): the summary table, cut at
        // the limit on a row boundary, with a count of what is left out.
        let table = self.markdown(false, true);
        let mut out = note;
        let mut rows = 0;
        let total = table.lines().count();
        for line in table.lines() {
            if out.chars().count() + line.chars().count() + 200 > MARKDOWN_LIMIT {
                break;
            }
            out.push_str(line);
            out.push('\n');
            rows += 1;
        }
        if rows < total {
            out.push_str(&format!(
                "\n_… {} more row(s) left out; {full}._\n",
                total - rows
            ));
        }
        out
    }

    /// The fleet's plan as plain text.
    pub fn text(&self, summary: bool) -> String {
        let mut out = format!("mailflowc plan: {}\n", self.heading());
        if self.groups.iter().any(|g| g.change.name == EACH_DOMAIN) {
            out.push_str(&format!(
                "  {EACH_DOMAIN} stands for each routed domain of the tenants a group names\n"
            ));
        }
        for line in self.bases(true, false) {
            out.push_str(&format!("  {line}\n"));
        }
        for group in &self.groups {
            out.push_str(&format!(
                "\nfor {}:\n",
                self.tenants(&group.tenants, true, false)
            ));
            out.push_str(&diff::text_change(&group.change, summary));
        }
        if summary {
            return out;
        }
        for apply in &self.applies {
            out.push_str(&format!(
                "\nTo apply in the tree of {}, in runbook order:\n",
                self.tenants(&apply.tenants, true, false)
            ));
            out.push_str(&diff::text_apply(&apply.plan));
        }
        out.push_str(&format!("{}\n", diff::ROLLBACK_NOTE));
        out
    }
}
