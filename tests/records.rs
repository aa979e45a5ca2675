//! Ownership records and removal order in the rendered scripts (issue 27,
//! findings 7 and 9), read from their syntax trees:
//! - `20-allow-list` and `35-arc-sealer` write their record before the
//!   change it records, inside the `ShouldProcess` guard, so a read-back
//!   timeout or a dropped connection after the change still leaves one;
//! - their rollbacks remove only what the record says mailflowc added and
//!   the tenant still lists, and with no record exit normally with
//!   `unchanged`, advising nothing about the tenant's own entries;
//! - `80-converge.ps1` removes a retired transport rule before the outbound
//!   connector it routes to.

mod common;

use tree_sitter::Node;

const ALLOW_LIST: &str = "exchange/20-allow-list.ps1";
const ARC: &str = "exchange/35-arc-sealer.ps1";
const ALLOW_LIST_ROLLBACK: &str = "exchange/rollback/80-remove-allow-list-entries.ps1";
const ARC_ROLLBACK: &str = "exchange/rollback/65-remove-arc-sealer.ps1";
const CONVERGE: &str = "exchange/80-converge.ps1";

/// Every valid input's files that `path` names, at least one.
fn rendered(path: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for input in common::valid_inputs() {
        if let Some(text) = common::build(&input).get(path) {
            out.push((common::file_name(&input), text.clone()));
        }
    }
    assert!(!out.is_empty(), "no input generates {path}");
    out
}

fn command_nodes<'t>(tree: &'t tree_sitter::Tree, text: &str, name: &str) -> Vec<Node<'t>> {
    common::nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "command")
        .filter(|n| {
            let mut cursor = n.walk();
            let found = n
                .named_children(&mut cursor)
                .find(|c| c.kind() == "command_name")
                .is_some_and(|c| text[c.byte_range()].eq_ignore_ascii_case(name));
            found
        })
        .collect()
}

/// The innermost `if`/`elseif` whose condition asks `ShouldProcess`,
/// around `node`.
fn guard<'t>(node: Node<'t>, text: &str) -> Option<Node<'t>> {
    let mut parent = node.parent();
    while let Some(p) = parent {
        if matches!(p.kind(), "if_statement" | "elseif_clause") {
            let condition = (0..p.named_child_count())
                .filter_map(|i| p.named_child(i as u32))
                .find(|c| c.kind() == "pipeline");
            if condition.is_some_and(|c| text[c.byte_range()].contains("$PSCmdlet.ShouldProcess")) {
                return Some(p);
            }
        }
        parent = p.parent();
    }
    None
}

fn assert_recorded_before(path: &str, change: &str) {
    for (input, text) in rendered(path) {
        let tree = common::parse_powershell(&text);
        let saves = command_nodes(&tree, &text, "Save-MfcRecord");
        let changes = command_nodes(&tree, &text, change);
        assert_eq!(saves.len(), 1, "{input}: {path}");
        assert_eq!(changes.len(), 1, "{input}: {path}");
        let (save, set) = (saves[0], changes[0]);
        assert!(
            save.end_byte() <= set.start_byte(),
            "{input}: {path} records after {change} (lines {} and {})",
            save.start_position().row + 1,
            set.start_position().row + 1
        );
        // In the same guard: a dry run writes no record.
        let (a, b) = (guard(save, &text).unwrap(), guard(set, &text).unwrap());
        assert_eq!(
            a.id(),
            b.id(),
            "{input}: {path}: not under one ShouldProcess guard"
        );
    }
}

#[test]
fn the_allow_list_is_recorded_before_it_changes() {
    assert_recorded_before(ALLOW_LIST, "Set-HostedConnectionFilterPolicy");
}

#[test]
fn the_arc_sealer_is_recorded_before_it_changes() {
    assert_recorded_before(ARC, "Set-ArcConfig");
}

/// The branch of `if ($null -eq $record)`: its statement block.
fn no_record_branch<'t>(tree: &'t tree_sitter::Tree, text: &str) -> Node<'t> {
    let branch = common::nodes(tree)
        .into_iter()
        .filter(|n| n.kind() == "if_statement")
        .find(|n| {
            (0..n.named_child_count())
                .filter_map(|i| n.named_child(i as u32))
                .find(|c| c.kind() == "pipeline")
                .is_some_and(|c| text[c.byte_range()].trim() == "$null -eq $record")
        })
        .expect("a branch for no record");
    (0..branch.named_child_count())
        .filter_map(|i| branch.named_child(i as u32))
        .find(|c| c.kind() == "statement_block")
        .unwrap()
}

#[test]
fn a_rollback_without_a_record_changes_nothing_and_says_unchanged() {
    for path in [ALLOW_LIST_ROLLBACK, ARC_ROLLBACK] {
        for (input, text) in rendered(path) {
            let tree = common::parse_powershell(&text);
            let block = no_record_branch(&tree, &text);
            let body = &text[block.byte_range()];
            let calls: Vec<String> = common::commands(body).into_iter().map(|(n, _)| n).collect();
            assert_eq!(calls, ["Add-MfcResult"], "{input}: {path}: {body}");
            assert!(
                body.contains("-Result 'unchanged'"),
                "{input}: {path}: {body}"
            );
            // Neither a stop nor advice to remove what the tenant lists: with
            // no record, every entry is the tenant's (an imported tenant's).
            let code: String = body
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
                .to_ascii_lowercase();
            for word in ["throw", "exit", "return", "remove", "by hand"] {
                assert!(
                    !code.contains(word),
                    "{input}: {path}: `{word}` with no record: {body}"
                );
            }
            // The script goes on to its summary: nothing after the branch
            // stops it.
            let after = &text[block.end_byte()..];
            assert!(
                after.trim_end().ends_with("Write-MfcSummary"),
                "{input}: {path}"
            );
        }
    }
}

#[test]
fn a_rollback_removes_only_recorded_entries_still_listed() {
    for (path, change) in [
        (ALLOW_LIST_ROLLBACK, "Set-HostedConnectionFilterPolicy"),
        (ARC_ROLLBACK, "Set-ArcConfig"),
    ] {
        for (input, text) in rendered(path) {
            // What is removed is `$present`: recorded as added, not there
            // before, and listed now.
            let present = text
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("$present = "))
                .unwrap_or_else(|| panic!("{input}: {path}"));
            assert!(
                present.contains("$current -contains $_"),
                "{input}: {path}: {present}"
            );
            let tree = common::parse_powershell(&text);
            for call in command_nodes(&tree, &text, change) {
                let call_text = &text[call.byte_range()];
                // `' '`: the documented empty list, when nothing remains.
                assert!(
                    call_text.contains("$present")
                        || call_text.contains("$remaining")
                        || call_text.contains("-ArcTrustedSealers ' '"),
                    "{input}: {path}: {call_text}"
                );
            }
        }
    }
}

#[test]
fn converge_removes_a_retired_rule_before_its_outbound_connector() {
    for (input, text) in rendered(CONVERGE) {
        let tree = common::parse_powershell(&text);
        // The kinds of `$listings`, in the order the loop removes them.
        let kinds: Vec<String> = common::nodes(&tree)
            .into_iter()
            .filter(|n| n.kind() == "hash_literal_expression")
            .filter_map(|n| {
                let entry = &text[n.byte_range()];
                let start = entry.find("Kind = '")? + "Kind = '".len();
                let end = entry[start..].find('\'')? + start;
                Some(entry[start..end].to_owned())
            })
            .collect();
        let at = |kind: &str| {
            kinds
                .iter()
                .position(|k| k == kind)
                .unwrap_or_else(|| panic!("{input}: no {kind} in {kinds:?}"))
        };
        assert!(
            at("transport rule") < at("outbound connector"),
            "{input}: converge removes {kinds:?} in that order"
        );
        // The loop walks `$listings` in order.
        assert!(text.contains("foreach ($listing in $listings)"));
    }
}
