use std::process::ExitCode;

fn main() -> ExitCode {
    mailflowc::cli::main()
}
