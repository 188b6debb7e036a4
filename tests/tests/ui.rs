//! Compile-fail and pass cases of `#[instrument_metric]` and `#[derive(LabelValue)]`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
