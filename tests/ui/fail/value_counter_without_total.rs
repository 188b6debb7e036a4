fn main() {
    metricate::counter!("ai_match_tokens").inc();
}
