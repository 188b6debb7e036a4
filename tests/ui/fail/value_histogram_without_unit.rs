fn main() {
    metricate::histogram!("cv_size", buckets = [1024.0, 65536.0]).observe(2048.0);
}
