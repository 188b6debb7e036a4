//! Shared helpers for metricate's tests.
