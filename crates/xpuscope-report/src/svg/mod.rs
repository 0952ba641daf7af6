//! Standalone SVG charts: grouped bars of ratios between chips, a roofline, a heat map of a
//! sweep, and a timeline of a serving run.
//!
//! Plain data goes in and an SVG document comes out as a `String`; this module does no file I/O
//! and knows nothing of the catalogue or the cost model, so the commands decide what to plot and
//! where to write it. Output is deterministic: no randomness, no hash-map order, and every number
//! written with a fixed, small number of decimals, so the same input gives the same bytes.
//!
//! Values that cannot be drawn (NaN, infinities, and on a log axis zero or negative) are skipped
//! rather than panicking; a bar without a value is labelled "n/a". Text is escaped for XML.
//!
//! It deliberately does not try to be a plotting library: there are four chart kinds with fixed
//! layouts, text widths are estimated from the character count (there is no font metrics), and
//! labels avoid only gross overlap.
//!
//! Layout: one file per chart (`bars`, `roofline`, `heatmap`, `timeline`) holds its input types and its
//! layout. Below them, `document` writes the SVG elements and escapes text, `format` writes
//! numbers, `scale` maps values to pixels and chooses ticks, `axis` draws the axes the bar chart
//! and the roofline share, and `colour` holds the palettes and the heat map's colour scale. Only
//! the chart types and their render functions are public.

mod axis;
mod bars;
mod colour;
mod document;
mod format;
mod heatmap;
mod pareto;
mod roofline;
mod scale;
#[cfg(test)]
mod tests;
mod timeline;

pub use bars::{bar_chart, BarChart, Series};
pub use heatmap::{heat_map, Cell, HeatMap, MAX_HEAT_COLUMNS, MAX_HEAT_ROWS};
pub use pareto::{pareto, Pareto, ParetoSeries};
pub use roofline::{roofline, RoofChip, RoofPoint, Roofline};
pub use timeline::{timeline, Panel, Timeline, MAX_POINTS};

/// Width of the bar chart and the roofline, in SVG user units (pixels when opened directly); a
/// heat map sizes itself to its rows and columns.
const WIDTH: f64 = 900.0;
