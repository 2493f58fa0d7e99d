//! The `yuqing` binary: parses arguments and maps the result of [`cli::run`] to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("yuqing: error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
