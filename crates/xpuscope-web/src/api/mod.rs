//! The JSON API: one table of endpoints that feeds both the router and the OpenAPI document, so
//! an endpoint cannot be served without being documented, or documented with other types than
//! it uses.
//!
//! Adding an endpoint is one line in [`endpoints`] (path, summary, request and response types,
//! handler) and the handler in `handlers.rs`.

pub mod extract;
pub mod handlers;
pub mod requests;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::handler::Handler;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use schemars::JsonSchema;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use xpuscope_model::Catalog;
use xpuscope_report::views::catalog::{ChipView, ChipsView, ModelView, ModelsView};
use xpuscope_report::views::compare::CompareView;
use xpuscope_report::views::export::{ClassificationView, TimelineView};
use xpuscope_report::views::infer::InferView;
use xpuscope_report::views::plan::PlanView;
use xpuscope_report::views::roofline::RooflineView;
use xpuscope_report::views::serve::ServeView;
use xpuscope_report::views::train::TrainView;

use self::handlers as h;
use self::requests::{
    CompareRequest, ExportParams, InferRequest, NoParams, PlanRequest, RooflineRequest,
    ServeRequest, TrainRequest,
};
use crate::error::ApiError;
use crate::openapi::{self, Produces};
use crate::{limits, AppState, Settings};

/// Routes and their documentation, built together.
#[derive(Default)]
pub struct Api {
    routes: BTreeMap<&'static str, MethodRouter<AppState>>,
    doc: openapi::Builder,
}

impl Api {
    fn add<H, T>(&mut self, path: &'static str, method: MethodFilter, handler: H)
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let r = self.routes.remove(path).unwrap_or_default();
        self.routes.insert(path, r.on(method, handler));
    }

    /// `GET path`: `Query` describes the query string, `Resp` the JSON answer.
    pub fn get<Query: JsonSchema, Resp: JsonSchema, H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self {
        self.doc.get::<Query, Resp>(path, summary);
        self.add(path, MethodFilter::GET, handler);
        self
    }

    /// `POST path`: a JSON `Req` in, a JSON `Resp` out.
    pub fn post<Req: JsonSchema, Resp: JsonSchema, H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        summary: &'static str,
        handler: H,
    ) -> Self {
        self.doc.post::<Req, Resp>(path, summary, Produces::Json);
        self.add(path, MethodFilter::POST, handler);
        self
    }

    /// `POST path`: a JSON `Req` in, a document of type `media` out (a chart, CSV rows).
    pub fn post_document<Req: JsonSchema, H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        summary: &'static str,
        media: &'static str,
        handler: H,
    ) -> Self {
        self.doc
            .post::<Req, String>(path, summary, Produces::Text(media));
        self.add(path, MethodFilter::POST, handler);
        self
    }
}

/// Every endpoint: the command line's commands, their charts, and the catalogue.
pub fn endpoints() -> Api {
    Api::default()
        .get::<NoParams, ChipsView, _, _>("/api/chips", "Every chip (`xpuscope chips`)", h::chips)
        .get::<NoParams, ChipView, _, _>(
            "/api/chips/{id}",
            "One chip's sheet, each value with its source and grade (`xpuscope chip ID`)",
            h::chip_sheet,
        )
        .get::<NoParams, ModelsView, _, _>("/api/models", "Every model (`xpuscope models`)", h::models)
        .get::<NoParams, ModelView, _, _>(
            "/api/models/{id}",
            "One model's architecture and parameter counts (`xpuscope model ID`)",
            h::model_sheet,
        )
        .get::<ExportParams, ClassificationView, _, _>(
            "/api/export/{chip}",
            "A chip's US export classification on a date (`xpuscope export CHIP --date D`); informational, not legal advice",
            h::export_classification,
        )
        .get::<NoParams, TimelineView, _, _>(
            "/api/export/{chip}/timeline",
            "A chip's classification under every rule vintage (`xpuscope export CHIP --timeline`)",
            h::export_timeline,
        )
        .post::<InferRequest, InferView, _, _>(
            "/api/infer",
            "A static batch: TTFT, TPOT, throughput, memory (`xpuscope infer`)",
            h::infer,
        )
        .post::<ServeRequest, ServeView, _, _>(
            "/api/serve",
            "Continuous batching under load: latency percentiles, throughput, goodput (`xpuscope serve`)",
            h::serve,
        )
        .post_document::<ServeRequest, _, _>(
            "/api/serve/timeline.svg",
            "The serving run's per-step timeline chart (`serve --timeline FILE.svg`)",
            "image/svg+xml",
            h::serve_timeline_svg,
        )
        .post_document::<ServeRequest, _, _>(
            "/api/serve/timeline.csv",
            "The serving run's per-step rows (`serve --timeline FILE.csv`)",
            "text/csv",
            h::serve_timeline_csv,
        )
        .post::<PlanRequest, PlanView, _, _>(
            "/api/plan",
            "The cheapest fleet that meets a traffic and an SLO, among the chips one may buy (`xpuscope plan`)",
            h::plan,
        )
        .post_document::<PlanRequest, _, _>(
            "/api/plan/frontier.svg",
            "The plan's Pareto frontier per chip (`plan --svg FILE`)",
            "image/svg+xml",
            h::plan_svg,
        )
        .post::<TrainRequest, TrainView, _, _>(
            "/api/train",
            "A training step, or a search over layouts (`xpuscope train`)",
            h::train,
        )
        .post::<CompareRequest, CompareView, _, _>(
            "/api/compare",
            "Chips side by side on the workload suite, with ratios to the first (`xpuscope compare`)",
            h::compare,
        )
        .post_document::<CompareRequest, _, _>(
            "/api/compare/chart.svg",
            "The comparison's ratio bars (`compare --svg FILE`)",
            "image/svg+xml",
            h::compare_svg,
        )
        .post::<RooflineRequest, RooflineView, _, _>(
            "/api/roofline",
            "Each chip's ceilings with the model's operators on them (`xpuscope roofline`)",
            h::roofline,
        )
        .post_document::<RooflineRequest, _, _>(
            "/api/roofline/chart.svg",
            "The roofline chart (`roofline --svg FILE`)",
            "image/svg+xml",
            h::roofline_svg,
        )
}

/// The OpenAPI document of [`endpoints`], as served at `/api/openapi.json`.
pub fn openapi_json() -> String {
    document_json(endpoints().doc)
}

fn document_json(doc: openapi::Builder) -> String {
    // The document holds only strings, maps and schemas: serialising it cannot fail.
    serde_json::to_string_pretty(&doc.finish()).unwrap_or_default()
}

/// The application: API, page, the guard, body and time limits, and a panic catcher.
pub fn app(catalog: Catalog, settings: Settings) -> Router {
    let Api { routes, doc } = endpoints();
    let openapi = document_json(doc);
    let state = AppState {
        catalog: Arc::new(catalog),
        pool: Arc::new(limits::Pool::new(
            settings.max_running,
            settings.max_queued,
            settings.request_timeout,
            settings.retry_after_s,
        )),
        openapi: openapi.into(),
        settings: Arc::new(settings.clone()),
    };
    let router = routes
        .into_iter()
        .fold(Router::new(), |r, (path, m)| r.route(path, m))
        .route("/api/openapi.json", axum::routing::get(h::openapi))
        .merge(crate::page::routes())
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method);
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::guard,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            settings.max_body_bytes,
        ))
        .layer(RequestBodyLimitLayer::new(settings.max_body_bytes))
        // A backstop past the pool's own limit, for a client that sends its body slowly.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout + std::time::Duration::from_secs(5),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("the server failed unexpectedly (a bug: please report the request)")
                .into_response()
        }))
        .with_state(state)
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "there is no `{method} {}`; the endpoints are listed at /api/openapi.json",
            uri.path()
        ),
        None,
    )
}

async fn wrong_method(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "`{}` does not take {method}; see /api/openapi.json",
            uri.path()
        ),
        None,
    )
}
