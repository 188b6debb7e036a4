//! `demo-app emit`: the operations files generated from the service's own
//! metric catalogue, through `metricate-ops`, the one call any binary makes.

use crate::cli::EmitArgs;
use metricate_ops::{self as ops, Artifact, Settings};
use std::path::Path;

/// Why nothing was emitted.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// Not a generated file's name.
    #[error(transparent)]
    Unknown(#[from] ops::UnknownArtifact),
    /// `all` goes to a directory.
    #[error("`emit all` writes nine files: give it --dir")]
    AllNeedsDir,
    /// The files could not be written.
    #[error("could not write: {0}")]
    Write(#[from] std::io::Error),
    /// The runtime whose workers the reference counts did not start.
    #[error("the runtime of --workers could not start: {0}")]
    Runtime(std::io::Error),
}

/// The settings the flags give.
pub fn settings(args: &EmitArgs) -> Settings {
    let mut settings = Settings::new(args.job.clone());
    settings.targets.clone_from(&args.targets);
    settings.alertmanagers.clone_from(&args.alertmanagers);
    settings.remote_write.clone_from(&args.remote_write);
    settings.webhook_url.clone_from(&args.webhook_url);
    settings.runbook_url.clone_from(&args.runbook_url);
    settings.scrape_interval = args.scrape_interval;
    settings.alert_for = args.alert_for;
    settings.group_wait = args.group_wait;
    settings
}

/// Generates from the catalogue: what was written, or the text. Every family
/// is in the catalogue from the linker (the annotations', the value macros',
/// the computed gauges', the process metrics'); only what the service names
/// as it starts is declared here, with nothing opened or started: its
/// `build_info`, the readings of a tokio runtime of `--workers` workers (not
/// of the runtime this runs on, so the files are the same on every machine),
/// its HTTP layer's routes and its computed gauges, on a database handle never
/// opened; then every known series is created at 0, as the service's start
/// does.
pub fn run(args: &EmitArgs) -> Result<String, EmitError> {
    let counted = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers.max(1))
        .enable_all()
        .build()
        .map_err(EmitError::Runtime)?;
    let generated = {
        let _entered = counted.enter();
        generate(args, counted.handle())
    };
    // Without waiting: this may run inside another runtime.
    counted.shutdown_background();
    generated
}

/// [`run`], in the context of `counted`, the runtime the reference counts.
fn generate(args: &EmitArgs, counted: &tokio::runtime::Handle) -> Result<String, EmitError> {
    crate::app::declare_build_info();
    crate::app::register_runtime_metrics(counted);
    // The API's routes, learnt as its router is built; then the service's
    // metrics as its start builds them (HTTP layer, computed gauges, then
    // `metricate::init()`, every known series at 0), on a database never
    // opened: the reference counts those series.
    let _routes = crate::api::routes().into_inner();
    let _router = crate::app::with_metrics(axum::Router::new(), &crate::db::Database::unopened());
    let catalog = metricate::catalog();
    let settings = settings(args);
    match (args.what.as_str(), &args.dir) {
        ("all", Some(dir)) => {
            let written = ops::write_all(dir, &catalog, &settings)?;
            Ok(written
                .iter()
                .map(|path| format!("wrote {}\n", path.display()))
                .collect())
        }
        ("all", None) => Err(EmitError::AllNeedsDir),
        (name, dir) => {
            let artifact: Artifact = name.parse()?;
            let text = ops::generate(artifact, &catalog, &settings);
            match dir {
                Some(dir) => {
                    let path = Path::new(dir).join(artifact.file_name());
                    std::fs::create_dir_all(dir)?;
                    std::fs::write(&path, text)?;
                    Ok(format!("wrote {}\n", path.display()))
                }
                None => Ok(text),
            }
        }
    }
}
