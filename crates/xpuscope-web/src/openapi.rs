//! The OpenAPI 3.1 document, generated from the types the handlers take and return.
//!
//! Every schema comes from a `schemars::JsonSchema` derive on the report layer's options and
//! views, which reads the same `serde` attributes that shape the JSON (renames, skipped and
//! optional fields, untagged enums), so the document cannot drift from the responses. Request
//! bodies are described as they are read and responses as they are written. The document's own
//! shape is typed here; nothing in it is a hand-built JSON map.
//!
//! It deliberately does not route anything: [`crate::api`] registers each endpoint here and in
//! the router from one line.

use std::collections::BTreeMap;

use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde::Serialize;

use crate::error::ErrorBody;

/// The document.
#[derive(Debug, Serialize)]
pub struct Document {
    openapi: &'static str,
    info: Info,
    paths: BTreeMap<String, PathItem>,
    components: Components,
}

#[derive(Debug, Serialize)]
struct Info {
    title: &'static str,
    version: &'static str,
    description: &'static str,
}

#[derive(Debug, Default, Serialize)]
struct PathItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    get: Option<Operation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    post: Option<Operation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Operation {
    operation_id: String,
    summary: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parameters: Vec<Parameter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_body: Option<Body>,
    responses: BTreeMap<&'static str, Reply>,
}

#[derive(Debug, Serialize)]
struct Parameter {
    name: String,
    #[serde(rename = "in")]
    location: &'static str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    schema: Schema,
}

#[derive(Debug, Serialize)]
struct Body {
    required: bool,
    content: BTreeMap<&'static str, Media>,
}

#[derive(Debug, Serialize)]
struct Media {
    schema: Schema,
}

#[derive(Debug, Serialize)]
struct Reply {
    description: &'static str,
    content: BTreeMap<&'static str, Media>,
}

#[derive(Debug, Serialize)]
struct Components {
    schemas: serde_json::Map<String, serde_json::Value>,
}

/// What an endpoint answers with on success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Produces {
    /// A JSON view.
    Json,
    /// A document of this media type (`image/svg+xml`, `text/csv`).
    Text(&'static str),
}

/// Collects operations and their schemas.
pub struct Builder {
    requests: SchemaGenerator,
    responses: SchemaGenerator,
    paths: BTreeMap<String, PathItem>,
}

impl Default for Builder {
    fn default() -> Self {
        let settings = SchemaSettings::draft2020_12().with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        });
        Builder {
            requests: settings.clone().for_deserialize().into_generator(),
            responses: settings.for_serialize().into_generator(),
            paths: BTreeMap::new(),
        }
    }
}

impl Builder {
    /// Records `GET path` answering with `Resp`, its query string read as `Query`.
    pub fn get<Query: JsonSchema, Resp: JsonSchema>(&mut self, path: &str, summary: &'static str) {
        let mut parameters = path_parameters(path);
        let query = self.requests.root_schema_for::<Query>();
        parameters.extend(query_parameters(&query));
        let op = self.operation::<Resp>(path, "get", summary, parameters, None, Produces::Json);
        self.paths.entry(path.to_string()).or_default().get = Some(op);
    }

    /// Records `POST path` reading a JSON `Req` and answering with `Resp` or a document.
    pub fn post<Req: JsonSchema, Resp: JsonSchema>(
        &mut self,
        path: &str,
        summary: &'static str,
        produces: Produces,
    ) {
        let body = Body {
            required: true,
            content: BTreeMap::from([(
                "application/json",
                Media {
                    schema: self.requests.subschema_for::<Req>(),
                },
            )]),
        };
        let op = self.operation::<Resp>(
            path,
            "post",
            summary,
            path_parameters(path),
            Some(body),
            produces,
        );
        self.paths.entry(path.to_string()).or_default().post = Some(op);
    }

    fn operation<Resp: JsonSchema>(
        &mut self,
        path: &str,
        method: &str,
        summary: &'static str,
        parameters: Vec<Parameter>,
        request_body: Option<Body>,
        produces: Produces,
    ) -> Operation {
        let ok = match produces {
            Produces::Json => Media {
                schema: self.responses.subschema_for::<Resp>(),
            },
            Produces::Text(_) => Media {
                schema: self.responses.subschema_for::<String>(),
            },
        };
        let media = match produces {
            Produces::Json => "application/json",
            Produces::Text(t) => t,
        };
        let error = self.responses.subschema_for::<ErrorBody>();
        let mut responses = BTreeMap::from([(
            "200",
            Reply {
                description: "the view, as `xpuscope --format json` prints it",
                content: BTreeMap::from([(media, ok)]),
            },
        )]);
        for (status, description) in [
            (
                "4XX",
                "the request is malformed or has no answer: one sentence and the field at fault",
            ),
            (
                "503",
                "the server is busy or the time limit ran out; retry after `Retry-After` seconds",
            ),
        ] {
            responses.insert(
                status,
                Reply {
                    description,
                    content: BTreeMap::from([(
                        "application/json",
                        Media {
                            schema: error.clone(),
                        },
                    )]),
                },
            );
        }
        Operation {
            operation_id: format!("{method}{}", path.replace(['/', '{', '}', '-', '.'], "_")),
            summary,
            parameters,
            request_body,
            responses,
        }
    }

    /// The finished document.
    pub fn finish(mut self) -> Document {
        let mut schemas = self.responses.take_definitions(true);
        for (k, v) in self.requests.take_definitions(true) {
            // A type read and written would be described twice; none is, and this keeps the
            // response's description if one ever is.
            schemas.entry(k).or_insert(v);
        }
        Document {
            openapi: "3.1.0",
            info: Info {
                title: "xpuscope",
                version: env!("CARGO_PKG_VERSION"),
                description: "What an AI accelerator delivers for a model, how chips compare, what they cost, and how US export rules classify them. Every response is the JSON `xpuscope --format json` prints for the same inputs. Export answers are informational, not legal advice.",
            },
            paths: self.paths,
            components: Components { schemas },
        }
    }
}

/// `{name}` segments of a path, as required string parameters.
fn path_parameters(path: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| Parameter {
            name: name.to_string(),
            location: "path",
            required: true,
            description: None,
            schema: schemars::json_schema!({"type": "string"}),
        })
        .collect()
}

/// One query parameter per property of a query struct's schema.
fn query_parameters(schema: &Schema) -> Vec<Parameter> {
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(|r| r.as_array())
        .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    props
        .iter()
        .map(|(name, s)| {
            let mut s = s.clone();
            let description = s
                .as_object_mut()
                .and_then(|o| o.remove("description"))
                .and_then(|d| d.as_str().map(str::to_string));
            Parameter {
                name: name.clone(),
                location: "query",
                required: required.contains(&name.as_str()),
                description,
                schema: Schema::try_from(s).unwrap_or_default(),
            }
        })
        .collect()
}
