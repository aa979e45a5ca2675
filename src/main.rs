use std::process::ExitCode;

// mimalloc: a fleet build allocates from every core at once, where the
// system allocator's arenas contend (benches/fleet.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    mailflowc::cli::main()
}
