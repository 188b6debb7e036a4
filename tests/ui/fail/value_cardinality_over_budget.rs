use metricate::LabelValue;

#[derive(Clone, Copy, LabelValue)]
enum Eleven {
    A, B, C, D, E, F, G, H, I, J, K,
}

fn main() {
    let e = Eleven::A;
    metricate::counter!("visits_total", a: Eleven = e, b: Eleven = e, c: Eleven = e).inc();
}
