//! What every format's writer is given: a family's metadata, then each series
//! with its labels (structured, and rendered once for the text formats) and
//! its value. The formats implement [`Writer`]; the exposition feeds them.

use crate::exemplars::Exemplar;
use crate::native::NativeCounts;
use crate::vocabulary::MetricKind;

/// Appends `value` to `out`, escaped as a label value of the text formats.
pub(crate) fn escape_label_value_into(out: &mut String, value: &str) {
    if !value.contains(['\\', '"', '\n']) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A series' labels as a writer takes them: the pairs sorted by name, as
/// stored (unescaped), and the same rendered `name="value",...` with each value
/// escaped, for the text formats. Both are filled once per series.
pub(crate) struct Labels<'a> {
    pub(crate) pairs: &'a [(&'a str, &'a str)],
    pub(crate) text: &'a str,
}

/// The buffers a series' [`Labels`] are filled into, reused across series.
#[derive(Default)]
pub(crate) struct LabelBuffer<'a> {
    pairs: Vec<(&'a str, &'a str)>,
    text: String,
}

impl<'a> LabelBuffer<'a> {
    /// `names` and `values` in the same order, sorted by name; `text` is
    /// rendered only when the writer reads it.
    pub(crate) fn fill(&mut self, names: &[&'a str], values: &[&'a str], text: bool) -> Labels<'_> {
        self.pairs.clear();
        self.pairs
            .extend(names.iter().copied().zip(values.iter().copied()));
        self.pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
        self.text.clear();
        if text {
            for (index, (name, value)) in self.pairs.iter().enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                self.text.push_str(name);
                self.text.push_str("=\"");
                escape_label_value_into(&mut self.text, value);
                self.text.push('"');
            }
        }
        Labels {
            pairs: &self.pairs,
            text: &self.text,
        }
    }
}

/// How one format writes families and their series.
pub(crate) trait Writer {
    /// Whether it reads [`Labels::text`] (the text formats) or only the pairs.
    fn wants_label_text(&self) -> bool {
        true
    }

    /// A family's metadata, before its series. `unit` is the base unit its
    /// name ends in, if any.
    fn family(&mut self, name: &str, kind: MetricKind, help: &str, unit: Option<&str>);

    /// A counter's or gauge's sample. `created`: when the series began, in
    /// seconds since the epoch; `exemplar`: a counter's latest.
    fn number(&mut self, name: &str, kind: MetricKind, labels: &Labels<'_>, value: Number);

    /// A histogram's series. See [`Buckets`].
    fn histogram(&mut self, name: &str, labels: &Labels<'_>, buckets: Buckets<'_>);

    #[cfg(feature = "prometheus")]
    /// A summary family's metadata: summaries come only from collectors
    /// registered by hand.
    fn summary_family(&mut self, name: &str, help: &str);

    #[cfg(feature = "prometheus")]
    /// A summary's series.
    fn summary(
        &mut self,
        name: &str,
        labels: &Labels<'_>,
        quantiles: &[(f64, f64)],
        count: u64,
        sum: f64,
    );

    /// After the last family.
    fn end(&mut self);
}

/// A counter's or gauge's value, with what OpenMetrics adds to it.
#[derive(Clone, Copy)]
pub(crate) struct Number {
    pub(crate) value: f64,
    /// When the series began, in seconds since the epoch.
    pub(crate) created: Option<f64>,
    /// A counter's latest exemplar.
    pub(crate) exemplar: Option<Exemplar>,
}

impl Number {
    pub(crate) fn plain(value: f64) -> Number {
        Number {
            value,
            created: None,
            exemplar: None,
        }
    }
}

/// A histogram series' values: `count(b)` is the number in bucket `b` (not
/// cumulative), `+Inf` being bucket `bounds.len()`; `exemplar(b)` the latest
/// exemplar of bucket `b`.
pub(crate) struct Buckets<'a> {
    pub(crate) bounds: &'a [f64],
    pub(crate) count: &'a dyn Fn(usize) -> u64,
    pub(crate) sum: f64,
    pub(crate) created: Option<f64>,
    pub(crate) exemplar: &'a dyn Fn(usize) -> Option<Exemplar>,
    /// Reads the native buckets, when the histogram is also native (only the
    /// protobuf format writes them).
    pub(crate) native: Option<&'a dyn Fn() -> NativeCounts>,
}
