//! The problems found as the program runs, each kept once for
//! [`problems`](crate::problems); the typed [`Problem`] is vocabulary.

use crate::vocabulary::Problem;
use std::sync::{Mutex, PoisonError};

static PROBLEMS: Mutex<Vec<Problem>> = Mutex::new(Vec::new());

/// Keeps a problem found at run time for [`problems`](crate::problems), once.
pub(crate) fn report(problem: Problem) {
    let mut problems = PROBLEMS.lock().unwrap_or_else(PoisonError::into_inner);
    if !problems.contains(&problem) {
        problems.push(problem);
    }
}

/// The problems found at run time so far.
pub(crate) fn reported() -> Vec<Problem> {
    PROBLEMS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}
