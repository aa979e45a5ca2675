//! A fleet: the topologies of one directory, each built into its own tree
//! beside the others (`generated/<stem>/`), and the Cisco appliances some
//! of them share (`cisco.appliance`), whose relay guard is one tree for all
//! of them (`generated/_appliances/<label>/`).
//!
//! This room owns what only the whole fleet can decide: which tenants share
//! an appliance ([`groups`]), what the appliance's guard on disk already
//! accepts and who depends on it ([`appliance`], the one reader of an
//! appliance's manifest and of the trees that name it), and the grouped
//! report of a fleet's plan ([`plan_report`]). The commands ask it; the
//! renderers under `targets/` never touch the file system.

pub mod appliance;
pub mod plan_report;

use crate::diagnostics::Diagnostic;
use crate::model::Topology;
use crate::targets::cisco::appliance::{conflicts, label, Tenant};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The tenants of one appliance in one fleet, as a call names them.
pub struct Group {
    /// The directory holding the fleet's trees (or topologies).
    pub fleet: PathBuf,
    pub label: String,
    /// Indexes into the call's topologies, in tree-name order.
    pub members: Vec<usize>,
}

/// The appliances of a call: `models[i]` is the model of its `i`th
/// topology (`None` when it has none), `stems[i]` its tree's name,
/// `fleet_of(i)` the fleet it belongs to. Each group in tree-name order,
/// with the MF0522 of every tenant that conflicts, by index into the call.
pub fn groups(
    stems: &[String],
    models: &[Option<&Topology>],
    fleet_of: impl Fn(usize) -> PathBuf,
) -> (Vec<Group>, BTreeMap<usize, Vec<Diagnostic>>) {
    let mut by_key: BTreeMap<(PathBuf, String), Vec<usize>> = BTreeMap::new();
    for (index, model) in models.iter().enumerate() {
        if let Some(label) = model.and_then(label) {
            by_key
                .entry((fleet_of(index), label.to_owned()))
                .or_default()
                .push(index);
        }
    }
    let mut found = BTreeMap::new();
    let groups = by_key
        .into_iter()
        .map(|((fleet, label), mut members)| {
            members.sort_by(|&a, &b| stems[a].cmp(&stems[b]));
            let tenants = tenants_of(stems, models, &members);
            let order: Vec<usize> = (0..tenants.len()).collect();
            for (position, diagnostics) in conflicts(&tenants, &order) {
                found.insert(members[position], diagnostics);
            }
            Group {
                fleet,
                label,
                members,
            }
        })
        .collect();
    (groups, found)
}

/// The tenants of a group, in its order (every member has a model).
pub fn tenants_of<'a>(
    stems: &'a [String],
    models: &[Option<&'a Topology>],
    members: &[usize],
) -> Vec<Tenant<'a>> {
    members
        .iter()
        .filter_map(|&i| {
            models[i].map(|topology| Tenant {
                stem: &stems[i],
                topology,
            })
        })
        .collect()
}
