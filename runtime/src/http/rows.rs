//! The HTTP families in metricate's store: one row of cells per route template
//! and method, resolved once, written per thread, timed by the TSC clock.
//!
//! A row holds the duration histogram, the in-progress gauge, both size
//! histograms and a counter per common status code. Rows of the routes handed
//! to the layer exist, at 0, from start; a route or method met later gets its
//! row on first use. A request finds its row without a lock: routes are an
//! append-only list, and axum hands every request of a route the same matched
//! path string, so the first comparison is of pointers.

use crate::arena::{bucket_of, Arena, HistogramCells};
use crate::clock;
use crate::names;
use crate::slots::{self, Slot};
use crate::store::{self, Declaration, Joined, Source};
use crate::vocabulary::{LabelInfo, MetricKind, SiteInfo};
use axum::http::Method;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

/// The `route` of requests that no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";
/// The `method` of requests whose method is not one of the standard nine.
pub const OTHER_METHOD: &str = "other";

/// The `method` values: the standard nine, then `other`.
const METHODS: [&str; 10] = [
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    OTHER_METHOD,
];

/// The index of a method among [`METHODS`].
pub(crate) fn method_index(method: &Method) -> usize {
    METHODS[..9]
        .iter()
        .position(|standard| *standard == method.as_str())
        .unwrap_or(9)
}

/// The label value of a method: its name if standard, else `other`.
#[cfg(test)]
pub(crate) fn method_label(method: &Method) -> &'static str {
    METHODS[method_index(method)]
}

const SIZE_BOUNDS: &[f64] = &[
    64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
];

/// The status codes a row counts in cells of its own; a response with any
/// other code is counted in a row's overflow, found under a lock.
const STATUS_CODES: [u16; 56] = [
    100, 101, 200, 201, 202, 203, 204, 205, 206, 300, 301, 302, 303, 304, 307, 308, 400, 401, 402,
    403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
    424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
];

/// `STATUS_INDEX[code]` is the code's position in [`STATUS_CODES`], or `u8::MAX`.
static STATUS_INDEX: [u8; 600] = {
    let mut index = [u8::MAX; 600];
    let mut position = 0;
    while position < STATUS_CODES.len() {
        index[STATUS_CODES[position] as usize] = position as u8;
        position += 1;
    }
    index
};

/// Where each metric's cells sit in a row.
const DURATION: HistogramCells = HistogramCells {
    first: 0,
    bounds: crate::site::DEFAULT_BUCKETS.len(),
};
const IN_PROGRESS: usize = HistogramCells::width(crate::site::DEFAULT_BUCKETS.len());
const REQUEST_SIZE: HistogramCells = HistogramCells {
    first: IN_PROGRESS + 1,
    bounds: SIZE_BOUNDS.len(),
};
const RESPONSE_SIZE: HistogramCells = HistogramCells {
    first: REQUEST_SIZE.first + HistogramCells::width(SIZE_BOUNDS.len()),
    bounds: SIZE_BOUNDS.len(),
};
const STATUSES: usize = RESPONSE_SIZE.first + HistogramCells::width(SIZE_BOUNDS.len());
const WIDTH: usize = STATUSES + STATUS_CODES.len();

/// The five HTTP families, joined once.
struct Families {
    requests: Option<Joined>,
    duration: Option<Joined>,
    in_progress: Option<Joined>,
    request_size: Option<Joined>,
    response_size: Option<Joined>,
    site: SiteInfo,
}

static FAMILIES: OnceLock<Families> = OnceLock::new();

/// The duration bounds in clock ticks.
static TICK_BOUNDS: LazyLock<Box<[u64]>> = LazyLock::new(|| {
    let ticks_per_second = clock::calibration().ticks_per_second;
    crate::site::DEFAULT_BUCKETS
        .iter()
        .map(|bound| (bound * ticks_per_second) as u64)
        .collect()
});

/// The five HTTP families, each listed once: name, kind, help, whether it has
/// the `status` label, and its bounds.
const HTTP_FAMILIES: [(&str, MetricKind, &str, bool, &[f64]); 5] = [
    (
        names::HTTP_REQUESTS_TOTAL,
        MetricKind::Counter,
        "HTTP requests answered, by method, route template and status code.",
        true,
        &[],
    ),
    (
        names::HTTP_REQUEST_DURATION_SECONDS,
        MetricKind::Histogram,
        "Time until the response head was ready, in seconds.",
        false,
        crate::site::DEFAULT_BUCKETS,
    ),
    (
        names::HTTP_REQUESTS_IN_PROGRESS,
        MetricKind::Gauge,
        "HTTP requests being handled.",
        false,
        &[],
    ),
    (
        names::HTTP_REQUEST_SIZE_BYTES,
        MetricKind::Histogram,
        "Size of request bodies in bytes.",
        false,
        SIZE_BOUNDS,
    ),
    (
        names::HTTP_RESPONSE_SIZE_BYTES,
        MetricKind::Histogram,
        "Size of response bodies in bytes.",
        false,
        SIZE_BOUNDS,
    ),
];

/// The HTTP families as `site` declares them, with the routes known so far.
fn declarations(site: &SiteInfo) -> [Declaration; 5] {
    let mut routes: Vec<&'static str> = ROUTES.iter().map(|route| route.template).collect();
    routes.sort_unstable();
    HTTP_FAMILIES.map(|(name, kind, help, status, bounds)| {
        let mut labels = vec![
            LabelInfo {
                name: "method",
                values: Some(METHODS.to_vec()),
            },
            LabelInfo {
                name: "route",
                values: Some(routes.clone()),
            },
        ];
        if status {
            labels.push(LabelInfo {
                name: "status",
                values: None,
            });
        }
        Declaration {
            name,
            kind,
            help: help.to_owned(),
            labels,
            bounds,
            site: site.clone(),
        }
    })
}

/// Declares the HTTP families (joined once), `site` being where the first
/// layer was made.
pub(crate) fn declare_families(site: SiteInfo) {
    // Compiled out (`off`): no HTTP family, as no annotation has one.
    if cfg!(feature = "off") {
        return;
    }
    let families = FAMILIES.get_or_init(|| {
        let [requests, duration, in_progress, request_size, response_size] =
            declarations(&site).map(|declaration| store::declare(&declaration));
        Families {
            requests,
            duration,
            in_progress,
            request_size,
            response_size,
            site,
        }
    });
    LazyLock::force(&TICK_BOUNDS);
    // Rows made before the families (a router built before its layer).
    for route in ROUTES.iter() {
        for row in route.rows.iter().filter_map(OnceLock::get) {
            row.join(families);
        }
    }
    declare_known_routes(&families.site);
}

/// Declares the HTTP families again with every route known so far, so the
/// catalogue lists them.
fn declare_known_routes(site: &SiteInfo) {
    for declaration in declarations(site) {
        store::declare(&declaration);
    }
}

/// A status code as its label value: one string per distinct code, kept for
/// the process' life (at most the 900 codes from 100 to 999 hyper accepts).
fn status_text(status: u16) -> &'static str {
    static TEXTS: Mutex<Vec<(u16, &'static str)>> = Mutex::new(Vec::new());
    let mut texts = TEXTS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, text)) = texts.iter().find(|(code, _)| *code == status) {
        return text;
    }
    let text: &'static str = Box::leak(status.to_string().into_boxed_str());
    texts.push((status, text));
    text
}

/// The cells of one route template and method.
pub(crate) struct Row {
    arena: &'static Arena,
    method: &'static str,
    route: &'static str,
    /// Whether the histograms and gauge are exported into the families yet.
    joined: AtomicBool,
    /// Whether each common status code's series is exported yet: a status is
    /// exported on its first response, so only codes a route answers appear.
    exported: [AtomicBool; STATUS_CODES.len()],
    /// Codes outside [`STATUS_CODES`], each with its own cell.
    overflow: Mutex<Vec<(u16, &'static Arena)>>,
}

impl Row {
    /// A row at 0, its histograms and gauge exported once the families are
    /// declared (now, or by `declare_families` when they come later).
    #[cold]
    fn build(method: &'static str, route: &'static str) -> Row {
        let row = Row {
            arena: Arena::leaked(WIDTH),
            method,
            route,
            joined: AtomicBool::new(false),
            exported: std::array::from_fn(|_| AtomicBool::new(false)),
            overflow: Mutex::new(Vec::new()),
        };
        if let Some(families) = FAMILIES.get() {
            row.join(families);
        }
        row
    }

    /// Exports the row's histograms and gauge into the families, once.
    fn join(&self, families: &Families) {
        if self.joined.swap(true, Ordering::AcqRel) {
            return;
        }
        let (arena, labels) = (self.arena, [self.method, self.route]);
        let ticks_per_second = clock::calibration().ticks_per_second;
        if let Some(family) = &families.duration {
            family.export(
                &labels,
                Source::Ticks {
                    arena,
                    cells: DURATION,
                    ticks_per_second,
                    exemplars: None,
                    native: None,
                },
            );
        }
        if let Some(family) = &families.in_progress {
            family.export(
                &labels,
                Source::Level {
                    arena,
                    word: IN_PROGRESS,
                },
            );
        }
        for (family, cells) in [
            (&families.request_size, REQUEST_SIZE),
            (&families.response_size, RESPONSE_SIZE),
        ] {
            if let Some(family) = family {
                family.export(&labels, Source::Values { arena, cells });
            }
        }
    }

    #[inline]
    pub(crate) fn enter(&self, slot: Slot) {
        self.arena.add(slot, IN_PROGRESS, 1);
    }

    #[inline]
    pub(crate) fn leave(&self) {
        self.arena.add(slots::current_slot(), IN_PROGRESS, u64::MAX);
    }

    /// The response head is ready after `ticks`, with `status`.
    #[inline]
    pub(crate) fn answered(&self, ticks: u64, status: u16) {
        let slot = slots::current_slot();
        self.arena
            .add(slot, DURATION.bucket(bucket_of(&TICK_BOUNDS, ticks)), 1);
        self.arena.add(slot, DURATION.sum(), ticks);
        let index = STATUS_INDEX
            .get(usize::from(status))
            .copied()
            .unwrap_or(u8::MAX);
        if index == u8::MAX {
            self.count_overflow(status);
            return;
        }
        let index = usize::from(index);
        self.arena.add(slot, STATUSES + index, 1);
        if !self.exported[index].load(Ordering::Relaxed) {
            self.export_status(index);
        }
    }

    #[cold]
    fn export_status(&self, index: usize) {
        if self.exported[index].swap(true, Ordering::Relaxed) {
            return;
        }
        self.export_count(
            STATUS_CODES[index],
            Source::Count {
                arena: self.arena,
                word: STATUSES + index,
                exemplar: None,
            },
        );
    }

    #[cold]
    fn count_overflow(&self, status: u16) {
        let mut overflow = self.overflow.lock().unwrap_or_else(PoisonError::into_inner);
        let arena = match overflow.iter().find(|(code, _)| *code == status) {
            Some((_, arena)) => *arena,
            None => {
                let arena = Arena::leaked(1);
                overflow.push((status, arena));
                self.export_count(
                    status,
                    Source::Count {
                        arena,
                        word: 0,
                        exemplar: None,
                    },
                );
                arena
            }
        };
        arena.add(slots::current_slot(), 0, 1);
    }

    fn export_count(&self, status: u16, source: Source) {
        let requests = FAMILIES
            .get()
            .and_then(|families| families.requests.as_ref());
        if let Some(family) = requests {
            family.export(&[self.method, self.route, status_text(status)], source);
        }
    }

    /// A request or response body of `bytes`.
    #[inline]
    pub(crate) fn observe_size(&self, response: bool, bytes: u64) {
        let cells = if response {
            RESPONSE_SIZE
        } else {
            REQUEST_SIZE
        };
        let slot = slots::current_slot();
        self.arena
            .add(slot, cells.bucket(bucket_of(SIZE_BOUNDS, bytes as f64)), 1);
        self.arena.add_f64(slot, cells.sum(), bytes as f64);
    }
}

/// A route template and its rows, one per method, made on first need.
struct Route {
    template: &'static str,
    /// The address of the matched-path string last seen for this route.
    last_seen: AtomicUsize,
    rows: [OnceLock<Row>; METHODS.len()],
    next: OnceLock<Box<Route>>,
}

impl Route {
    fn new(template: &'static str) -> Route {
        Route {
            template,
            last_seen: AtomicUsize::new(0),
            rows: std::array::from_fn(|_| OnceLock::new()),
            next: OnceLock::new(),
        }
    }

    #[inline]
    fn row(&'static self, method: usize) -> &'static Row {
        self.rows[method].get_or_init(|| Row::build(METHODS[method], self.template))
    }
}

/// The routes, in the order they were declared or met: an append-only list.
struct Routes {
    head: OnceLock<Box<Route>>,
}

static ROUTES: Routes = Routes {
    head: OnceLock::new(),
};

impl Routes {
    fn iter(&'static self) -> impl Iterator<Item = &'static Route> {
        let mut slot = &self.head;
        std::iter::from_fn(move || {
            let route = slot.get()?;
            slot = &route.next;
            Some(&**route)
        })
    }

    /// The route of this template: by the address of the string first, as axum
    /// hands a route's requests one string; else by its text.
    #[inline]
    fn find(&'static self, template: &str) -> Option<&'static Route> {
        let address = template.as_ptr() as usize;
        if let Some(route) = self
            .iter()
            .find(|route| route.last_seen.load(Ordering::Relaxed) == address)
        {
            return Some(route);
        }
        let route = self.iter().find(|route| route.template == template)?;
        route.last_seen.store(address, Ordering::Relaxed);
        Some(route)
    }

    #[cold]
    fn insert(&'static self, template: &str) -> &'static Route {
        static INSERTING: Mutex<()> = Mutex::new(());
        let _inserting = INSERTING.lock().unwrap_or_else(PoisonError::into_inner);
        let mut slot = &self.head;
        loop {
            match slot.get() {
                Some(route) if route.template == template => return route,
                Some(route) => slot = &route.next,
                None => {
                    let template: &'static str = Box::leak(template.to_owned().into_boxed_str());
                    let route = slot.get_or_init(|| Box::new(Route::new(template)));
                    return route;
                }
            }
        }
    }

    fn get_or_insert(&'static self, template: &str) -> &'static Route {
        match self.find(template) {
            Some(route) => route,
            None => self.insert(template),
        }
    }
}

/// The row of a request: its matched route template (`None`: no route
/// matched) and method.
#[inline]
pub(crate) fn row(template: Option<&str>, method: &Method) -> &'static Row {
    ROUTES
        .get_or_insert(template.unwrap_or(UNMATCHED_ROUTE))
        .row(method_index(method))
}

/// Declares `"METHOD /template"` routes (or bare templates, for `GET`): their
/// rows, and so their series, exist at 0 from now on.
pub(crate) fn declare_routes<'a>(routes: impl IntoIterator<Item = &'a str>) {
    if cfg!(feature = "off") {
        return;
    }
    for route in routes {
        let (method, template) = match route.trim().split_once(' ') {
            Some((method, template)) => (
                Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET),
                template.trim(),
            ),
            None => (Method::GET, route.trim()),
        };
        let _ = ROUTES.get_or_insert(template).row(method_index(&method));
    }
    let _ = ROUTES.get_or_insert(UNMATCHED_ROUTE);
    if let Some(families) = FAMILIES.get() {
        declare_known_routes(&families.site);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_standard_set_share_one_value() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PURGE").unwrap()),
            OTHER_METHOD
        );
    }

    #[test]
    fn status_codes_index_their_cells() {
        assert_eq!(STATUS_INDEX[200], 2);
        assert_eq!(STATUS_INDEX[511], (STATUS_CODES.len() - 1) as u8);
        assert_eq!(STATUS_INDEX[299], u8::MAX);
        assert_eq!(WIDTH - STATUSES, STATUS_CODES.len());
    }

    #[test]
    fn routes_are_found_by_text_and_then_by_address() {
        let first = ROUTES.get_or_insert("/rows-test/{id}");
        let text = String::from("/rows-test/{id}");
        let again = ROUTES.get_or_insert(&text);
        assert!(std::ptr::eq(first, again));
        assert_eq!(
            first.last_seen.load(Ordering::Relaxed),
            text.as_ptr() as usize
        );
    }
}
