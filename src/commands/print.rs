//! `mailflowc print-ir` and `print-plan`: the middle of the pipeline, as JSON.

use super::outcome::analyze_file;
use super::{print_json, Exit, Settings};
use std::path::Path;

pub fn print_ir(path: &Path, settings: &Settings) -> Exit {
    match analyze_file(path, settings) {
        Ok((_, topology)) => print_json(&topology),
        Err(code) => code,
    }
}

pub fn print_plan(path: &Path, settings: &Settings) -> Exit {
    match analyze_file(path, settings) {
        Ok((_, topology)) => {
            let plan = crate::targets::plan(&topology);
            super::say_raw(&crate::targets::state::to_text(
                &crate::targets::state::desired_state(&topology, &plan),
            ));
            Exit::Ok
        }
        Err(code) => code,
    }
}
