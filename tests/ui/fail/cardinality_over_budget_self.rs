use metricate::{instrument_metric, LabelValue};

#[derive(Clone, Copy, LabelValue)]
enum Eleven {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    I,
    J,
    K,
}

struct Job {
    x: Eleven,
    y: Eleven,
}

impl Job {
    #[instrument_metric(
        histogram = "job_run_duration_seconds",
        labels(x = self.x, y = self.y, z = z),
    )]
    fn run(&self, z: Eleven) {
        let _ = z;
    }
}

fn main() {}
