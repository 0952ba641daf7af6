//! The application in process (`tower::ServiceExt::oneshot`, no socket): random JSON never
//! panics a handler or earns a 5xx, the limits answer with JSON and the right status, and the
//! OpenAPI document describes every route with the fields its responses really have.

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;
use xpuscope_model::Catalog;
use xpuscope_web::Settings;

fn app_with(settings: Settings) -> axum::Router {
    xpuscope_web::app(
        Catalog::builtin().expect("the built-in catalogue loads"),
        settings,
    )
}

fn app() -> axum::Router {
    app_with(Settings::default())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// (status, headers, body) of one request.
async fn call(
    app: &axum::Router,
    method: Method,
    uri: &str,
    body: Option<&[u8]>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1");
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let req = req
        .body(Body::from(body.map(<[u8]>::to_vec).unwrap_or_default()))
        .unwrap();
    let r = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = r.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

/// An error body: one sentence and maybe a field.
fn error_of(status: StatusCode, body: &[u8]) -> Value {
    let v: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "{status}: the error is JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    let sentence = v["error"].as_str().expect("an `error` sentence");
    assert!(
        !sentence.is_empty() && !sentence.contains('\n'),
        "one sentence: {sentence}"
    );
    v
}

/// Random JSON: any shape, with a bias towards the keys and values the endpoints know.
fn any_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("chip".to_string()),
        Just("model".to_string()),
        Just("chips".to_string()),
        Just("options".to_string()),
        Just("input_len".to_string()),
        Just("output_len".to_string()),
        Just("batch".to_string()),
        Just("tp".to_string()),
        Just("ep".to_string()),
        Just("concurrency".to_string()),
        Just("requests".to_string()),
        Just("deployment".to_string()),
        Just("seq_len".to_string()),
        Just("global_batch".to_string()),
        Just("search".to_string()),
        Just("weights".to_string()),
        "[a-z_]{1,12}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0u64..5000).prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!("h100-sxm")),
        Just(json!("h20")),
        Just(json!("llama-3.1-8b")),
        Just(json!("max")),
        Just(json!("fp8")),
        ".{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const POSTS: [&str; 11] = [
    "/api/infer",
    "/api/plan",
    "/api/plan/frontier.svg",
    "/api/serve",
    "/api/serve/timeline.svg",
    "/api/serve/timeline.csv",
    "/api/train",
    "/api/compare",
    "/api/compare/chart.svg",
    "/api/roofline",
    "/api/roofline/chart.svg",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No input panics a handler or gets a 5xx: an answer, or a 4xx with one sentence.
    #[test]
    fn random_json_never_panics_or_gets_a_5xx(body in any_json(), which in 0..POSTS.len(), valid_ids in any::<bool>()) {
        let mut body = body;
        // Half the cases name real ids, so the options (not the ids) are what is random.
        if valid_ids {
            if let Some(o) = body.as_object_mut() {
                o.insert("chip".into(), json!("h100-sxm"));
                o.insert("model".into(), json!("llama-3.1-8b"));
            }
        }
        let rt = runtime();
        let settings = Settings { max_serve_requests: 2_000, request_timeout: Duration::from_secs(60), ..Settings::default() };
        let app = app_with(settings);
        let raw = body.to_string();
        let (status, _, out) = rt.block_on(call(&app, Method::POST, POSTS[which], Some(raw.as_bytes())));
        prop_assert!(status.is_success() || status.is_client_error(), "{} {raw}: {status} {}", POSTS[which], String::from_utf8_lossy(&out));
        if status.is_client_error() {
            error_of(status, &out);
        }
    }

    /// Bytes that are not JSON at all get a 4xx sentence too.
    #[test]
    fn random_bytes_are_a_4xx(bytes in prop::collection::vec(any::<u8>(), 0..64), which in 0..POSTS.len()) {
        let rt = runtime();
        let (status, _, out) = rt.block_on(call(&app(), Method::POST, POSTS[which], Some(&bytes)));
        prop_assert!(status.is_client_error(), "{status}");
        error_of(status, &out);
    }

    /// Random path ids and query strings on the GET endpoints.
    #[test]
    fn random_paths_and_queries_are_answered(id in "[a-zA-Z0-9._~-]{1,24}", q in "[a-z]{0,5}=[a-zA-Z0-9-]{0,12}") {
        let rt = runtime();
        let app = app();
        for uri in [format!("/api/chips/{id}"), format!("/api/models/{id}"), format!("/api/export/{id}?{q}"), format!("/api/export/h20?{q}"), format!("/api/export/{id}/timeline")] {
            let (status, _, out) = rt.block_on(call(&app, Method::GET, &uri, None));
            prop_assert!(status.is_success() || status.is_client_error(), "{uri}: {status}");
            if !status.is_success() {
                error_of(status, &out);
            }
        }
    }
}

#[test]
fn limits_answer_with_json_and_the_right_status() {
    let rt = runtime();
    let settings = Settings {
        max_body_bytes: 1024,
        max_uri_bytes: 64,
        ..Settings::default()
    };
    let app = app_with(settings);
    let big = format!(r#"{{"chip": "h20", "model": "{}"}}"#, "x".repeat(4096));
    let (status, _, out) =
        rt.block_on(call(&app, Method::POST, "/api/infer", Some(big.as_bytes())));
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    error_of(status, &out);
    let long = format!("/api/export/h20?date={}", "9".repeat(100));
    let (status, _, out) = rt.block_on(call(&app, Method::GET, &long, None));
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    assert_eq!(error_of(status, &out)["field"], "query");
    // A form post from another site is refused before any work.
    let req = Request::post("/api/infer")
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("{}"))
        .unwrap();
    let r = rt.block_on(app.clone().oneshot(req)).unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // A page on another name that resolves to loopback (DNS rebinding) is refused.
    let req = Request::get("/api/chips")
        .header(header::HOST, "attacker.example:8080")
        .body(Body::empty())
        .unwrap();
    let r = rt.block_on(app.clone().oneshot(req)).unwrap();
    assert_eq!(r.status(), StatusCode::MISDIRECTED_REQUEST);
    let (status, _, _) = rt.block_on(call(&app, Method::DELETE, "/api/chips", None));
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn past_the_queue_a_simulation_gets_503_with_retry_after() {
    let rt = runtime();
    let settings = Settings {
        max_running: 1,
        max_queued: 0,
        ..Settings::default()
    };
    let app = app_with(settings);
    // Speculative decoding keeps the simulator stepping through every decode (it does not
    // coast), so this run (about a second) holds the place long enough.
    let slow = json!({"chip": "h100-sxm", "model": "llama-3.1-8b", "options": {
        "deployment": {"input_len": 2048, "output_len": 512}, "concurrency": 64, "requests": 90000,
        "speculative_tokens": 3, "acceptance": 0.6}})
    .to_string();
    let statuses = rt.block_on(async {
        let a = tokio::spawn({
            let app = app.clone();
            let slow = slow.clone();
            async move { call(&app, Method::POST, "/api/serve", Some(slow.as_bytes())).await }
        });
        // Let the first one take the only place.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let b = call(&app, Method::POST, "/api/serve", Some(slow.as_bytes())).await;
        (a.await.unwrap(), b)
    });
    let ((first, _, _), (second, headers, body)) = statuses;
    assert_eq!(first, StatusCode::OK);
    assert_eq!(second, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    assert!(error_of(second, &body)["error"]
        .as_str()
        .unwrap()
        .contains("retry"));
}

/// Every route is in the document, and every field a response has is a property its schema
/// names (with every required property present).
#[test]
fn the_openapi_document_describes_what_the_responses_are() {
    let rt = runtime();
    let app = app();
    let (status, _, doc) = rt.block_on(call(&app, Method::GET, "/api/openapi.json", None));
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let schemas = &doc["components"]["schemas"];
    let resolve = |s: &Value| -> Value {
        match s["$ref"].as_str() {
            Some(r) => schemas[r.trim_start_matches("#/components/schemas/")].clone(),
            None => s.clone(),
        }
    };
    let samples: Vec<(&str, &str, Option<Value>)> = vec![
        ("get", "/api/chips/h20", None),
        ("get", "/api/models/llama-3.1-8b", None),
        ("get", "/api/export/h20?date=2025-08-01", None),
        ("get", "/api/export/h20/timeline", None),
        (
            "post",
            "/api/infer",
            Some(
                json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"input_len": 128, "output_len": 8}}),
            ),
        ),
        (
            "post",
            "/api/serve",
            Some(
                json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"deployment": {"input_len": 128, "output_len": 8}, "concurrency": 4, "requests": 20, "slo_ttft": 1.0}}),
            ),
        ),
        (
            "post",
            "/api/train",
            Some(
                json!({"chip": "h20", "model": "llama-3.1-8b", "options": {"chips": 8, "seq_len": 2048, "global_batch": 16}}),
            ),
        ),
        (
            "post",
            "/api/compare",
            Some(json!({"chips": ["h20", "h100-sxm"], "model": "llama-3.1-8b"})),
        ),
        ("post", "/api/roofline", Some(json!({"chips": ["h20"]}))),
    ];
    for (method, uri, body) in samples {
        let template = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|p| matches_template(p, uri.split('?').next().unwrap()))
            .unwrap_or_else(|| panic!("{uri} is not in the document"))
            .clone();
        let op = &doc["paths"][&template][method];
        let schema = resolve(&op["responses"]["200"]["content"]["application/json"]["schema"]);
        let m = if method == "get" {
            Method::GET
        } else {
            Method::POST
        };
        let raw = body.map(|b| b.to_string());
        let (status, _, out) = rt.block_on(call(&app, m, uri, raw.as_deref().map(str::as_bytes)));
        assert_eq!(
            status,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&out)
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        if let Err(why) = conforms(&v, &schema, &resolve) {
            panic!("{uri}: {why}");
        }
        if method == "post" {
            assert!(op["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string());
        }
    }
    // The request schemas refuse unknown fields, as the handlers do.
    assert_eq!(schemas["InferOptions"]["additionalProperties"], false);
    assert_eq!(schemas["InferRequest"]["additionalProperties"], false);
}

/// Whether an object's keys are properties its schema names and its required ones are present
/// (through `$ref`, `allOf` and, for an untagged enum, any one `anyOf`/`oneOf` variant).
fn conforms(v: &Value, schema: &Value, resolve: &dyn Fn(&Value) -> Value) -> Result<(), String> {
    let schema = resolve(schema);
    for alt in ["anyOf", "oneOf"] {
        if let Some(variants) = schema[alt].as_array() {
            let why: Vec<String> = variants
                .iter()
                .filter_map(|s| conforms(v, s, resolve).err())
                .collect();
            return if why.len() < variants.len() {
                Ok(())
            } else {
                Err(why.join("; "))
            };
        }
    }
    let (mut props, mut required) = (Vec::new(), Vec::new());
    let mut parts = vec![schema.clone()];
    parts.extend(
        schema["allOf"]
            .as_array()
            .into_iter()
            .flatten()
            .map(resolve),
    );
    for p in &parts {
        props.extend(
            p["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k.clone()),
        );
        required.extend(
            p["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string)),
        );
    }
    if props.is_empty() {
        return Err(format!("the schema lists no properties: {schema}"));
    }
    let obj = v.as_object().ok_or("the response is not an object")?;
    if let Some(k) = obj.keys().find(|k| !props.contains(k)) {
        return Err(format!("`{k}` is not in the schema"));
    }
    if let Some(r) = required.iter().find(|r| !obj.contains_key(*r)) {
        return Err(format!("required `{r}` is missing"));
    }
    Ok(())
}

fn matches_template(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(a, b)| a == b || a.starts_with('{'))
}

#[test]
fn the_page_and_its_assets_are_served() {
    let rt = runtime();
    let app = app();
    for (uri, media, needle) in [
        ("/", "text/html", "<section id=\"view-compare\""),
        ("/app.js", "text/javascript", "const views"),
        ("/style.css", "text/css", "table.data"),
    ] {
        let (status, headers, body) = rt.block_on(call(&app, Method::GET, uri, None));
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(media));
        assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(String::from_utf8_lossy(&body).contains(needle), "{uri}");
    }
}
