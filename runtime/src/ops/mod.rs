//! Operations files generated from the [`catalog`](crate::catalog): Prometheus
//! rules and alerts, a Grafana dashboard, the metric reference, runbooks and
//! the Prometheus and Alertmanager configuration.
