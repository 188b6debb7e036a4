mod metrics {
    metricate::preset! {
        pub(crate) QUERY(
            calls = "db_operations_total",
            const_labels(operation, table = "jobs"),
        );
    }
}

// `operation` is left to each site: missing here.
#[metricate::instrument_metric(preset = metrics::QUERY)]
fn count_jobs() {}

// `shard` is not a label of the preset: this site's series would not add up
// with the others'.
#[metricate::instrument_metric(preset = metrics::QUERY, const_labels(operation = "select", shard = "a"))]
fn select_job() {}

// `table` has its value in the preset.
#[metricate::instrument_metric(preset = metrics::QUERY, const_labels(operation = "insert", table = "cvs"))]
fn insert_cv() {}

fn main() {}
