//! `demo-app`: `serve` (the default), `feed`, `load`, `emit`, `scan`; and the hidden
//! `parse-pdf` the service runs to read an uploaded PDF in a child process.

use clap::Parser;
use demo_app::cli::{Cli, Command};
use demo_app::{app, feed, load};
use std::process::ExitCode;

fn main() -> ExitCode {
    let command = Cli::parse().into_command();
    if let Command::ParsePdf(args) = &command {
        // A child reading one PDF: no logging, no runtime, limits first.
        return demo_app::cv::parse_pdf_child(std::time::Duration::from_millis(args.deadline_ms));
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(workers) = command.workers() {
        builder.worker_threads(workers);
    }
    let runtime = match builder.enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: the async runtime could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Command::Scan(args) = &command {
        // A batch job: blocking pushes around the runtime's scans.
        return match demo_app::scan::job::run(&runtime, args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let outcome: Result<(), Box<dyn std::error::Error>> = runtime.block_on(async {
        match command {
            Command::Scan(_) => Err("scan runs before the runtime's other commands".into()),
            Command::Serve(args) => app::serve(args).await.map_err(Into::into),
            Command::Feed(args) => feed::run(args).await.map_err(Into::into),
            Command::Emit(args) => {
                print!("{}", demo_app::emit::run(&args)?);
                Ok(())
            }
            Command::ParsePdf(_) => Err("parse-pdf runs before the runtime starts".into()),
            Command::Load(args) => {
                let summary = load::run(args).await?;
                println!("{summary}");
                Ok(())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
