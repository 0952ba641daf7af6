//! Handlers: parse, resolve ids against the catalogue, call the report layer, return its view.
//!
//! A handler never computes a number of its own; anything slower than a single evaluation runs in
//! the simulation pool (a blocking thread, a bounded queue, a time limit).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use xpuscope_model::chip::{Chip, Date};
use xpuscope_model::{Catalog, Model};
use xpuscope_report::options::defaults;
use xpuscope_report::views::catalog::{ChipView, ChipsView, ModelView, ModelsView};
use xpuscope_report::views::compare::CompareView;
use xpuscope_report::views::export::{self, ClassificationView, ExportOptions, TimelineView};
use xpuscope_report::views::infer::{self, InferView};
use xpuscope_report::views::plan::{PlanJob, PlanView};
use xpuscope_report::views::roofline::{self, RooflineView};
use xpuscope_report::views::serve::{ServeJob, ServeView};
use xpuscope_report::views::train::{TrainJob, TrainView};

use super::extract::{Body, Params};
use super::requests::{
    CompareRequest, ExportParams, InferRequest, NoParams, PlanRequest, RooflineRequest,
    ServeRequest, TrainRequest,
};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// Most chips one comparison or roofline takes: enough for any table a person reads.
pub const MAX_CHIPS: usize = 8;

/// A document that is not JSON: an SVG chart or CSV rows.
pub struct Document {
    media: &'static str,
    text: String,
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, self.media)], self.text).into_response()
    }
}

/// The media type of a chart.
const SVG: &str = "image/svg+xml";

/// Runs `draw` in the simulation pool and answers with the document it returns.
async fn document<F>(s: &AppState, media: &'static str, draw: F) -> ApiResult<Document>
where
    F: FnOnce() -> ApiResult<String> + Send + 'static,
{
    let text = s.pool.run(draw).await?;
    Ok(Document { media, text })
}

/// A chip from a request body (422 naming `field` when unknown, with the closest ids).
fn chip<'a>(catalog: &'a Catalog, id: &str, field: &str) -> ApiResult<&'a Chip> {
    catalog
        .chip(id)
        .map_err(|e| ApiError::invalid(e.to_string(), field))
}

/// A model from a request body (422 naming `field` when unknown). Only catalogue ids: a request
/// never names a file.
fn model<'a>(catalog: &'a Catalog, id: &str, field: &str) -> ApiResult<&'a Model> {
    catalog
        .model(id)
        .map_err(|e| ApiError::invalid(e.to_string(), field))
}

/// Chips for a comparison, between `min` and [`MAX_CHIPS`].
fn chip_list<'a>(catalog: &'a Catalog, ids: &[String], min: usize) -> ApiResult<Vec<&'a Chip>> {
    if ids.len() < min || ids.len() > MAX_CHIPS {
        return Err(ApiError::invalid(
            format!(
                "`chips` lists {} chips; give {min} to {MAX_CHIPS} chip ids",
                ids.len()
            ),
            "chips",
        ));
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| chip(catalog, id, &format!("chips[{i}]")))
        .collect()
}

/// An id in the path: 404 when the catalogue lacks it.
fn not_found(e: &impl std::fmt::Display, field: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, e.to_string(), Some(field))
}

/// `GET /api/chips`.
pub async fn chips(State(s): State<AppState>, _: Params<NoParams>) -> Json<ChipsView> {
    Json(ChipsView::new(s.catalog.chips()))
}

/// `GET /api/chips/{id}`.
pub async fn chip_sheet(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> ApiResult<Json<ChipView>> {
    let c = s.catalog.chip(&id).map_err(|e| not_found(&e, "id"))?;
    Ok(Json(ChipView::new(c)))
}

/// `GET /api/models`.
pub async fn models(State(s): State<AppState>, _: Params<NoParams>) -> Json<ModelsView> {
    Json(ModelsView::new(s.catalog.models()))
}

/// `GET /api/models/{id}`.
pub async fn model_sheet(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> ApiResult<Json<ModelView>> {
    let m = s.catalog.model(&id).map_err(|e| not_found(&e, "id"))?;
    Ok(Json(ModelView::new(m)))
}

/// `GET /api/export/{chip}?date=`.
pub async fn export_classification(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Params(p): Params<ExportParams>,
) -> ApiResult<Json<ClassificationView>> {
    let c = s.catalog.chip(&id).map_err(|e| not_found(&e, "chip"))?;
    let q = ExportOptions {
        date: p.date,
        set: Vec::new(),
    }
    .resolve(today())?;
    Ok(Json(export::classification(c, &q)?))
}

/// `GET /api/export/{chip}/timeline`.
pub async fn export_timeline(
    State(s): State<AppState>,
    Path(id): Path<String>,
    _: Params<NoParams>,
) -> ApiResult<Json<TimelineView>> {
    let c = s.catalog.chip(&id).map_err(|e| not_found(&e, "chip"))?;
    let q = ExportOptions::default().resolve(today())?;
    Ok(Json(export::timeline(c, &q)?))
}

/// `POST /api/infer`: one evaluation (microseconds), answered on the request's own task.
pub async fn infer(
    State(s): State<AppState>,
    Body(r): Body<InferRequest>,
) -> ApiResult<Json<InferView>> {
    let c = chip(&s.catalog, &r.chip, "chip")?;
    let m = model(&s.catalog, &r.model, "model")?;
    Ok(Json(infer::infer(c, m, &r.options)?))
}

/// The serving run a request asks for, keeping at most `timeline` steps.
fn serve_view(s: &AppState, r: &ServeRequest, timeline: usize) -> ApiResult<ServeView> {
    let c = chip(&s.catalog, &r.chip, "chip")?;
    let m = Arc::new(model(&s.catalog, &r.model, "model")?.clone());
    let mut o = r.options.clone();
    o.timeline_steps = Some(timeline);
    let job = ServeJob::new(c, m, &o)?;
    let limit = s.settings.max_serve_requests;
    if job.work() > limit {
        return Err(ApiError::invalid(
            format!(
                "this run simulates {} requests in one replica; the web server runs at most {limit} (the CLI has no limit)",
                job.work()
            ),
            "requests",
        ));
    }
    Ok(job.run(None)?)
}

/// Steps the timeline of a request keeps: what it asks for, within the server's limit.
fn timeline_steps(s: &AppState, r: &ServeRequest) -> usize {
    let max = s.settings.max_timeline_steps;
    r.options.timeline_steps.unwrap_or(max).min(max)
}

/// `POST /api/serve`.
pub async fn serve(
    State(s): State<AppState>,
    Body(r): Body<ServeRequest>,
) -> ApiResult<Json<ServeView>> {
    let pool = Arc::clone(&s.pool);
    // The JSON carries no timeline, so none is kept.
    pool.run(move || serve_view(&s, &r, 0).map(Json)).await
}

/// `POST /api/serve/timeline.svg`: the per-step chart `serve --timeline FILE.svg` writes.
pub async fn serve_timeline_svg(
    State(s): State<AppState>,
    Body(r): Body<ServeRequest>,
) -> ApiResult<Document> {
    let st = s.clone();
    document(&s, SVG, move || {
        Ok(serve_view(&st, &r, timeline_steps(&st, &r))?.timeline_svg())
    })
    .await
}

/// `POST /api/serve/timeline.csv`: the rows `serve --timeline FILE.csv` writes.
pub async fn serve_timeline_csv(
    State(s): State<AppState>,
    Body(r): Body<ServeRequest>,
) -> ApiResult<Document> {
    let st = s.clone();
    document(&s, "text/csv", move || {
        Ok(serve_view(&st, &r, timeline_steps(&st, &r))?.timeline_csv())
    })
    .await
}

/// `POST /api/train` (one layout, or `search` over all of them).
pub async fn train(
    State(s): State<AppState>,
    Body(r): Body<TrainRequest>,
) -> ApiResult<Json<TrainView>> {
    let pool = Arc::clone(&s.pool);
    pool.run(move || {
        let c = chip(&s.catalog, &r.chip, "chip")?;
        let m = model(&s.catalog, &r.model, "model")?;
        Ok(Json(TrainJob::new(c, m, &r.options)?.run(None)?))
    })
    .await
}

/// The comparison a request asks for.
fn compare_view(s: &AppState, r: &CompareRequest) -> ApiResult<CompareView> {
    let chips = chip_list(&s.catalog, &r.chips, 2)?;
    let m = model(
        &s.catalog,
        r.model.as_deref().unwrap_or(defaults::MODEL),
        "model",
    )?;
    Ok(xpuscope_report::views::compare::compare(
        &chips, m, &r.options,
    )?)
}

/// `POST /api/compare`.
pub async fn compare(
    State(s): State<AppState>,
    Body(r): Body<CompareRequest>,
) -> ApiResult<Json<CompareView>> {
    let pool = Arc::clone(&s.pool);
    pool.run(move || compare_view(&s, &r).map(Json)).await
}

/// `POST /api/compare/chart.svg`: the ratio bars `compare --svg` writes.
pub async fn compare_svg(
    State(s): State<AppState>,
    Body(r): Body<CompareRequest>,
) -> ApiResult<Document> {
    let st = s.clone();
    document(&s, SVG, move || {
        let v = compare_view(&st, &r)?;
        Ok(xpuscope_report::charts::compare_svg(&v.comparison))
    })
    .await
}

/// The roofline a request asks for.
fn roofline_view(s: &AppState, r: &RooflineRequest) -> ApiResult<RooflineView> {
    let chips = chip_list(&s.catalog, &r.chips, 1)?;
    let m = model(
        &s.catalog,
        r.model.as_deref().unwrap_or(defaults::MODEL),
        "model",
    )?;
    Ok(roofline::roofline(&chips, m, &r.options)?)
}

/// `POST /api/roofline`.
pub async fn roofline(
    State(s): State<AppState>,
    Body(r): Body<RooflineRequest>,
) -> ApiResult<Json<RooflineView>> {
    let pool = Arc::clone(&s.pool);
    pool.run(move || roofline_view(&s, &r).map(Json)).await
}

/// `POST /api/roofline/chart.svg`: the chart `roofline --svg` writes.
pub async fn roofline_svg(
    State(s): State<AppState>,
    Body(r): Body<RooflineRequest>,
) -> ApiResult<Document> {
    let st = s.clone();
    document(&s, SVG, move || Ok(roofline_view(&st, &r)?.svg())).await
}

/// The plan a request asks for.
fn plan_view(s: &AppState, r: &PlanRequest) -> ApiResult<PlanView> {
    let m = Arc::new(model(&s.catalog, &r.model, "model")?.clone());
    Ok(PlanJob::new(&s.catalog, m, &r.options)?.run(None)?)
}

/// `POST /api/plan`.
pub async fn plan(
    State(s): State<AppState>,
    Body(r): Body<PlanRequest>,
) -> ApiResult<Json<PlanView>> {
    let pool = Arc::clone(&s.pool);
    pool.run(move || plan_view(&s, &r).map(Json)).await
}

/// `POST /api/plan/frontier.svg`: the Pareto chart `plan --svg` writes.
pub async fn plan_svg(
    State(s): State<AppState>,
    Body(r): Body<PlanRequest>,
) -> ApiResult<Document> {
    let st = s.clone();
    document(&s, SVG, move || Ok(plan_view(&st, &r)?.svg())).await
}

/// `GET /api/openapi.json`.
pub async fn openapi(State(s): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.openapi.to_string(),
    )
        .into_response()
}

/// Today's date in UTC from the system clock (the library never reads the clock).
fn today() -> Date {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    export::date_from_unix_days(i64::try_from(days).unwrap_or(0))
}
