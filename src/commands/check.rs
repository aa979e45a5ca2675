//! `mailflowc check`: validate only; a fleet's tenants that share an
//! appliance must also agree (MF0522).

use super::input::expand;
use super::outcome::{analyzed, collect_all, print_outcomes, Outcome};
use super::{Exit, Settings};
use std::path::PathBuf;

pub fn check(paths: &[PathBuf], settings: &Settings) -> Exit {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(message) => {
            warn!("{message}");
            return Exit::Failure;
        }
    };
    let mut outcomes = collect_all(&files, settings, |input, _| {
        let mut outcome = Outcome::default();
        outcome.topology = analyzed(input, &mut outcome, settings);
        if outcome.topology.is_some() {
            outcome.result = "ok".to_owned();
            outcome.code = Exit::Ok;
        }
        outcome
    });
    // Tenants of one fleet that share an appliance must agree (MF0522):
    // what `build` of that fleet would refuse, `check` reports.
    let stems: Vec<String> = files.iter().map(|f| crate::trees::stem(f)).collect();
    let (_, conflicts) = {
        let models: Vec<_> = outcomes.iter().map(|o| o.topology.as_ref()).collect();
        crate::fleet::groups(&stems, &models, |i| crate::trees::parent_dir(&files[i]))
    };
    for (index, found) in conflicts {
        let outcome = &mut outcomes[index];
        outcome.found.extend(found);
        outcome.topology = None;
        outcome.result = "has errors".to_owned();
        outcome.code = Exit::Invalid;
    }
    for outcome in &mut outcomes {
        if outcome.topology.is_some() {
            let line = format!("{}: ok", outcome.display);
            outcome.out.push(line);
        }
    }
    print_outcomes(&outcomes, settings);
    Exit::combine(outcomes.iter().map(|o| o.code))
}
