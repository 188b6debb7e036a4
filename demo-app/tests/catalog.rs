//! The demo's metric declarations, as the catalogue sees them: no two sites
//! disagree, and no family waits for a first call to exist.

#[tokio::test]
async fn every_family_of_the_demo_exists_from_start_and_none_conflicts() {
    let _router =
        demo_app::app::with_metrics(axum::Router::new(), &demo_app::db::Database::unopened());
    let catalog = metricate::catalog();
    if let Err(error) = catalog.validate() {
        panic!("{error}");
    }
    assert!(
        metricate::problems().is_empty(),
        "{:?}",
        metricate::problems()
    );
    // 44 families: those the annotations and macros declare (the server's
    // connection families among them), the HTTP layer's, the pool's,
    // build_info, the process metrics, metricate_series, the tokio runtime's
    // five and the counter of failed computed-gauge callbacks (in the
    // catalogue, a view of the store).
    assert_eq!(
        catalog.families().len(),
        44,
        "{:?}",
        catalog
            .families()
            .iter()
            .map(|family| family.name)
            .collect::<Vec<_>>()
    );
    // Every label's values are known, but the HTTP status codes: a status
    // series appears with the first response of that status.
    let open: Vec<&str> = catalog
        .families()
        .iter()
        .filter(|family| family.series().is_none())
        .map(|family| family.name)
        .collect();
    assert_eq!(open, ["http_requests_total"]);
}
