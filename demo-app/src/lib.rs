//! The job-scout and CV-tailoring service: CV upload and parsing, CV-to-job
//! matching, tailoring, payment webhooks and scheduled scans of job boards,
//! on an embedded SQLite database, instrumented only through metricate.
//!
//! The binary (`src/main.rs`) is a thin shell over [`cli`]: `serve` runs
//! [`app::serve`], `feed` runs [`feed::serve`], `load` runs [`load::run`].
//! Data flows one way: [`api`] handlers call the domain modules ([`cv`],
//! [`matching`], [`tailor`], [`webhooks`], [`scan`]) and the data layer
//! ([`db`]); none of those knows about HTTP.

pub mod api;
pub mod app;
pub mod cli;
pub mod cv;
pub mod db;
pub mod emit;
pub mod feed;
pub mod fixtures;
pub mod load;
pub mod matching;
pub mod scan;
pub mod secrets;
pub mod server;
pub mod tailor;
pub mod trace;
pub mod usage;
pub mod webhooks;
