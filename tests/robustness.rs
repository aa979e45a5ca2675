//! Bad input never panics: every truncation of every valid input, and every
//! input with one line removed, yields a model or diagnostics, never a crash.
//! An error-free result always renders.

mod common;

fn must_not_panic(source: &str, name: &str) {
    match mailflowc::compile(source, name) {
        Ok(_) => {}
        Err(mailflowc::CompileError::Invalid(found)) => {
            assert!(
                found.iter().any(|d| d.is_error()),
                "{name}: failed without an error"
            );
            for d in &found {
                if let Some(span) = &d.span {
                    assert!(span.end <= source.len(), "{name}: span past the end");
                }
            }
            mailflowc::diagnostics::render(&found, name, source, false);
        }
        Err(mailflowc::CompileError::Internal(message)) => {
            panic!("{name}: internal error: {message}")
        }
    }
}

#[test]
fn truncated_inputs_give_diagnostics_not_panics() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let name = common::file_name(&input);
        for (cut, _) in source.char_indices() {
            must_not_panic(&source[..cut], &name);
        }
    }
}

#[test]
fn inputs_missing_a_line_give_diagnostics_not_panics() {
    for input in common::valid_inputs() {
        let source = std::fs::read_to_string(&input).unwrap();
        let name = common::file_name(&input);
        let lines: Vec<&str> = source.lines().collect();
        for skip in 0..lines.len() {
            let text: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, l)| *l)
                .collect();
            must_not_panic(&text.join("\n"), &name);
        }
    }
}
