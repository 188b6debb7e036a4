//! The Grafana dashboard JSON model, as much of it as the generated
//! dashboard sets: typed, serialized by `serde_json`. Fields are declared in
//! the order Grafana's own exports sort them (alphabetical), so the file is
//! stable and diffs well.

use serde::Serialize;

/// An empty JSON object, `{}`.
#[derive(Serialize)]
pub(crate) struct Empty {}

/// An empty JSON array, `[]`.
pub(crate) type Nothing = [(); 0];

/// Where a panel, query or variable reads from.
#[derive(Serialize)]
pub(crate) struct DataSource {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) uid: &'static str,
}

impl DataSource {
    /// The data source the `datasource` variable picks.
    pub(crate) const PROMETHEUS: DataSource = DataSource {
        kind: "prometheus",
        uid: "${datasource}",
    };
}

/// The whole dashboard.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dashboard {
    pub(crate) annotations: List<Annotation>,
    pub(crate) description: String,
    pub(crate) editable: bool,
    pub(crate) graph_tooltip: u32,
    pub(crate) links: Nothing,
    pub(crate) panels: Vec<Panel>,
    pub(crate) refresh: &'static str,
    pub(crate) schema_version: u32,
    pub(crate) tags: Vec<String>,
    pub(crate) templating: List<Variable>,
    pub(crate) time: TimeRange,
    pub(crate) timezone: &'static str,
    pub(crate) title: String,
    pub(crate) uid: String,
    pub(crate) version: u32,
}

/// `{ "list": [..] }`.
#[derive(Serialize)]
pub(crate) struct List<T> {
    pub(crate) list: Vec<T>,
}

/// A built-in annotation query.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Annotation {
    pub(crate) built_in: u32,
    pub(crate) datasource: DataSource,
    pub(crate) enable: bool,
    pub(crate) hide: bool,
    pub(crate) icon_color: &'static str,
    pub(crate) name: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// The time range shown on opening.
#[derive(Serialize)]
pub(crate) struct TimeRange {
    pub(crate) from: &'static str,
    pub(crate) to: &'static str,
}

/// A template variable.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Variable {
    /// Picks the Prometheus data source.
    DataSource(DataSourceVariable),
    /// Label values from a query.
    Query(QueryVariable),
}

/// The data source variable.
#[derive(Serialize)]
pub(crate) struct DataSourceVariable {
    pub(crate) current: Empty,
    pub(crate) hide: u32,
    pub(crate) label: &'static str,
    pub(crate) name: &'static str,
    pub(crate) options: Nothing,
    pub(crate) query: &'static str,
    pub(crate) refresh: u32,
    pub(crate) regex: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// A multi-value variable of label values.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryVariable {
    pub(crate) all_value: &'static str,
    pub(crate) current: Selection,
    pub(crate) datasource: DataSource,
    pub(crate) definition: String,
    pub(crate) hide: u32,
    pub(crate) include_all: bool,
    pub(crate) label: &'static str,
    pub(crate) multi: bool,
    pub(crate) name: &'static str,
    pub(crate) options: Nothing,
    pub(crate) query: VariableQuery,
    pub(crate) refresh: u32,
    pub(crate) regex: &'static str,
    pub(crate) sort: u32,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// A variable's selected values.
#[derive(Serialize)]
pub(crate) struct Selection {
    pub(crate) selected: bool,
    pub(crate) text: Vec<String>,
    pub(crate) value: Vec<String>,
}

/// The Prometheus query of a variable.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VariableQuery {
    pub(crate) qry_type: u32,
    pub(crate) query: String,
    pub(crate) ref_id: &'static str,
}

/// A panel's place on the 24-column grid.
#[derive(Serialize)]
pub(crate) struct GridPos {
    pub(crate) h: u32,
    pub(crate) w: u32,
    pub(crate) x: u32,
    pub(crate) y: u32,
}

/// An entry of the dashboard's `panels`.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Panel {
    /// A row header.
    Row(RowPanel),
    /// A panel that draws queries.
    Graph(Box<GraphPanel>),
}

/// A row header, expanded.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RowPanel {
    pub(crate) collapsed: bool,
    pub(crate) grid_pos: GridPos,
    pub(crate) id: u32,
    pub(crate) panels: Nothing,
    pub(crate) title: &'static str,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// A time series or stat panel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GraphPanel {
    pub(crate) datasource: DataSource,
    pub(crate) description: String,
    pub(crate) field_config: FieldConfig,
    pub(crate) grid_pos: GridPos,
    pub(crate) id: u32,
    pub(crate) options: Options,
    pub(crate) targets: Vec<Target>,
    pub(crate) title: String,
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

/// The unit of a panel's values.
#[derive(Serialize)]
pub(crate) struct FieldConfig {
    pub(crate) defaults: FieldDefaults,
    pub(crate) overrides: Nothing,
}

/// The field defaults the dashboard sets: the unit.
#[derive(Serialize)]
pub(crate) struct FieldDefaults {
    pub(crate) unit: &'static str,
}

/// How a panel draws.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Options {
    /// A time series panel's.
    Timeseries(TimeseriesOptions),
    /// A stat panel's.
    Stat(StatOptions),
}

/// A time series panel's legend and tooltip.
#[derive(Serialize)]
pub(crate) struct TimeseriesOptions {
    pub(crate) legend: Legend,
    pub(crate) tooltip: Tooltip,
}

/// The legend, as a list below the graph.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Legend {
    pub(crate) display_mode: &'static str,
    pub(crate) placement: &'static str,
    pub(crate) show_legend: bool,
}

/// The tooltip, every series sorted.
#[derive(Serialize)]
pub(crate) struct Tooltip {
    pub(crate) mode: &'static str,
    pub(crate) sort: &'static str,
}

/// A stat panel's options: the last value, with its sparkline.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatOptions {
    pub(crate) color_mode: &'static str,
    pub(crate) graph_mode: &'static str,
    pub(crate) justify_mode: &'static str,
    pub(crate) orientation: &'static str,
    pub(crate) reduce_options: ReduceOptions,
    pub(crate) text_mode: &'static str,
}

/// How a stat panel reduces a series to one number.
#[derive(Serialize)]
pub(crate) struct ReduceOptions {
    pub(crate) calcs: Vec<&'static str>,
    pub(crate) fields: &'static str,
    pub(crate) values: bool,
}

/// One query of a panel.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Target {
    pub(crate) datasource: DataSource,
    pub(crate) expr: String,
    pub(crate) instant: bool,
    pub(crate) legend_format: String,
    pub(crate) range: bool,
    pub(crate) ref_id: String,
}
