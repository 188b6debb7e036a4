use metricate::LabelValue;

#[derive(LabelValue)]
struct Plan {
    name: String,
}

fn main() {}
