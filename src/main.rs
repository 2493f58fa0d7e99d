//! The `yuqing` binary: parses arguments and maps the result of [`cli::run`] to an exit code.

mod cli;

/// mimalloc instead of the system allocator: ingest hands every mention from the threads that
/// prepare it to tantivy's indexing threads, and glibc's allocator spent a tenth of the time on
/// those cross-thread allocations and frees (README, "Index (measured)").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("yuqing: error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
