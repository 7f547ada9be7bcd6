/// The OpenAPI 3.1 document of the service, served at `GET /openapi.json`.
///
/// It is data, carried in the binary: the JSON text below is what the server answers, byte for
/// byte. It describes every route the server registers, and exactly the keys the encoders write
/// (`LedgerTypes+Encodable.swift`, `DirectoryTypes+Encodable.swift`, `DecisionTypes+Encodable.swift`,
/// `DecisionAction+Codable.swift`, `OutcomeTypes+Encodable.swift`). When a route, a request field,
/// a response key or a problem type changes, change it here too: `OpenAPIDocumentTests` checks
/// that the text is well-formed JSON, that every `$ref` resolves, and that what the encoders
/// write conforms to the response schemas, key for key.
public enum OpenAPIDocument {
    /// The document, as JSON text.
    public static let json: String = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "Alliance Ledger",
            "version": "0.4.0",
            "summary": "The system of record of an alliance contract: open-book budgets, spend and a hash-chained double-entry ledger.",
            "description": "JSON over HTTP. Bodies use camelCase keys; every key of a response is always present, an absent optional as `null`. Amounts are integer minor units of the alliance's currency (int64), never fractions; measured values are exact decimals with at most four decimal places; dates are `YYYY-MM-DD`; instants are RFC 3339 in UTC; hashes are 64 lower-case hexadecimal characters. A request body with an unknown field is refused with 422 `/problems/unknown-field`. Errors are `application/problem+json` (RFC 9457) with a stable `type` (see the `Problem` schema); nothing is written on any error. Lists answer `{\"items\":[…],\"nextCursor\":…}` and take `limit` and `cursor`, but for a period's outcome measurements, which come whole in one page. Every creating POST takes an `Idempotency-Key` header. Authenticate with `Authorization: Bearer <token>`."
          },
          "servers": [{"url": "/"}],
          "tags": [
            {"name": "Operations"},
            {"name": "Alliances"},
            {"name": "Partners"},
            {"name": "Budget lines"},
            {"name": "People"},
            {"name": "Budgets"},
            {"name": "Decisions"},
            {"name": "Outcomes"},
            {"name": "Risk/reward"},
            {"name": "Spend"},
            {"name": "Ledger"}
          ],
          "paths": {
            "/healthz": {
              "get": {
                "operationId": "getHealth",
                "summary": "Liveness",
                "description": "Answers while the process is up; needs no database and no token.",
                "tags": ["Operations"],
                "responses": {
                  "200": {
                    "description": "Up: `{\"status\":\"ok\"}`.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
                  }
                }
              }
            },
            "/readyz": {
              "get": {
                "operationId": "getReadiness",
                "summary": "Readiness",
                "description": "Answers 200 when the service can reach its database, so that a load balancer sends traffic only to instances that can serve it. No token.",
                "tags": ["Operations"],
                "responses": {
                  "200": {
                    "description": "Ready: `{\"status\":\"ready\"}`.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}
                  },
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/metrics": {
              "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics",
                "description": "Request counts and latencies by route and status, and connection pool use, in the Prometheus text exposition format 0.0.4 (`text/plain; version=0.0.4`). No token.",
                "tags": ["Operations"],
                "responses": {
                  "200": {
                    "description": "The metrics.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}
                  }
                }
              }
            },
            "/openapi.json": {
              "get": {
                "operationId": "getOpenAPIDocument",
                "summary": "This document",
                "description": "The OpenAPI 3.1 document of the service. No token.",
                "tags": ["Operations"],
                "responses": {
                  "200": {
                    "description": "The document.",
                    "content": {"application/json": {"schema": {"type": "object"}}}
                  }
                }
              }
            },
            "/v1/alliances": {
              "post": {
                "operationId": "createAlliance",
                "summary": "Create an alliance",
                "description": "Role: the operator token only (`alliance-ledger token issue --operator`).",
                "tags": ["Alliances"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/AllianceRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new alliance. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "links": {
                      "getAlliance": {"operationId": "getAlliance", "parameters": {"alliance": "$response.body#/slug"}}
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alliance"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "409": {
                    "description": "A conflict (`exists`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "getAlliance",
                "summary": "Read an alliance",
                "description": "Role: the operator, or any person of the alliance.",
                "tags": ["Alliances"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The alliance.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Alliance"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/partners": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "createPartner",
                "summary": "Add a partner",
                "description": "Role: admin. Opens the partner's funding account and a cost account for every budget line.",
                "tags": ["Partners"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PartnerRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new partner. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Partner"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`exists`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listPartners",
                "summary": "List partners",
                "description": "Role: any person of the alliance. Ordered by slug.",
                "tags": ["Partners"],
                "security": [{"bearer": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of partners.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/PartnerPage"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/budget-lines": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "createBudgetLine",
                "summary": "Add a budget line",
                "description": "Role: admin. Opens a cost account for the line for every partner.",
                "tags": ["Budget lines"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BudgetLineRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new budget line. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BudgetLine"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`exists`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listBudgetLines",
                "summary": "List budget lines",
                "description": "Role: any person of the alliance. Ordered by code.",
                "tags": ["Budget lines"],
                "security": [{"bearer": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of budget lines.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/BudgetLinePage"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/people": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "createPerson",
                "summary": "Add a person",
                "description": "Role: admin.",
                "tags": ["People"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PersonRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The new person. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Person"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `partner-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/partner-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`exists`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listPeople",
                "summary": "List people",
                "description": "Role: admin or auditor.",
                "tags": ["People"],
                "security": [{"bearer": []}],
                "parameters": [
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of people.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PersonPage"}}}
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/people/{person}/tokens": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/Person"}
              ],
              "post": {
                "operationId": "issueToken",
                "summary": "Issue an API token",
                "description": "Role: admin. The token is shown once, in this answer, and stored only as a hash. A retry with the same `Idempotency-Key` cannot show it again: it answers 409 `/problems/token-shown-once`.",
                "tags": ["People"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "description": "An empty object, `{}`.",
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TokenRequest"}}}
                },
                "responses": {
                  "201": {
                    "description": "The new token.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/IssuedToken"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `person-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/person-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`request-in-progress`, `token-shown-once`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/request-in-progress", "/problems/token-shown-once"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/budgets": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "getBudgets",
                "summary": "Read a year's budget",
                "description": "Role: any person of the alliance. Budgets change only through a carried decision.",
                "tags": ["Budgets"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "year",
                    "in": "query",
                    "required": true,
                    "description": "The financial year, e.g. `FY2025`.",
                    "schema": {"type": "string", "pattern": "^FY[0-9]{4}$"},
                    "example": "FY2025"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The budget of the year.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BudgetYear"}}}
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/budgets/history": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "getBudgetHistory",
                "summary": "List every change to a year's budget",
                "description": "Role: any person of the alliance. One row per figure per carried decision, oldest first: the figure's previous amount (null when first set), its new amount, the decision that changed it and when.",
                "tags": ["Budgets"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "year",
                    "in": "query",
                    "required": true,
                    "description": "The financial year, e.g. `FY2025`.",
                    "schema": {"type": "string", "pattern": "^FY[0-9]{4}$"},
                    "example": "FY2025"
                  },
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of the year's budget changes, oldest first.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/BudgetChangePage"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/decisions": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "proposeDecision",
                "summary": "Propose a decision",
                "description": "Role: board. Opens a decision with the caller as its proposer. The electorate is fixed now: the partners current at opening, one vote each. The action, if any, is checked against the books now and again when it is applied; without one the decision is a resolution for the minutes. The text and action never change once open: amending means withdrawing and proposing anew.",
                "tags": ["Decisions"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ProposalRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The open decision. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "links": {
                      "getDecision": {
                        "operationId": "getDecision",
                        "parameters": {"alliance": "$request.path.alliance", "id": "$response.body#/number"}
                      },
                      "voteOnDecision": {
                        "operationId": "voteOnDecision",
                        "parameters": {"alliance": "$request.path.alliance", "id": "$response.body#/number"}
                      }
                    },
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `partner-not-found`, `budget-line-not-found`): the alliance, or a partner or budget line the action names",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/alliance-not-found",
                                    "/problems/partner-not-found",
                                    "/problems/budget-line-not-found"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`exists`: the partner to admit exists, the partner to remove has left, the period to pay is paid already, the year to settle is settled already, or the year whose terms would change has a paid period or is settled; `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`): e.g. a closing time not in the future, a negative amount, shares not summing to 10000, weights not summing to 10000, a period to pay that has not ended or lacks a measurement, a year to settle that has not ended or has no terms, an `earned` or `partnerSide` other than the books give; `field` names it by its path, such as `action.lines[0].amount`",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listDecisions",
                "summary": "List decisions",
                "description": "Role: any person of the alliance (decisions and every vote are published). Newest first. Decisions past their closing time are settled before they are listed.",
                "tags": ["Decisions"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "state",
                    "in": "query",
                    "required": false,
                    "description": "Only decisions in this state.",
                    "schema": {"$ref": "#/components/schemas/DecisionState"}
                  },
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of decisions, newest first.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/DecisionPage"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/decisions/{id}": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/DecisionID"}
              ],
              "get": {
                "operationId": "getDecision",
                "summary": "Read a decision",
                "description": "Role: any person of the alliance. The decision with its electorate, every vote (with who cast it, when and why, and whether it is the partner's current one), the tally, the action and, once carried, its effect on the books. A decision past its closing time is settled first, so the answer never depends on the background sweep.",
                "tags": ["Decisions"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The decision.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `decision-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/decision-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/decisions/{id}/votes": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/DecisionID"}
              ],
              "post": {
                "operationId": "voteOnDecision",
                "summary": "Vote on a decision",
                "description": "Role: board, for the caller's own partner only, when that partner is in the decision's electorate. A partner's latest vote counts; every earlier one is kept and published. `object` needs a reason. The vote that meets the alliance's rule (every partner approves; or, where abstention stands aside, every partner voted, none objects and one approves) carries the decision and applies its action in the same transaction, exactly once however many final votes race; when the action can no longer apply the decision is `failed` with the reason and the books are untouched.",
                "tags": ["Decisions"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VoteRequest"}}}
                },
                "responses": {
                  "201": {
                    "description": "The vote is recorded: the whole decision after it, carried if this vote met the rule. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `decision-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/decision-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`decision-closed`, `vote-conflict`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/decision-closed",
                                    "/problems/vote-conflict",
                                    "/problems/request-in-progress"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`): e.g. an objection without a reason",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/decisions/{id}/withdrawal": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/DecisionID"}
              ],
              "post": {
                "operationId": "withdrawDecision",
                "summary": "Withdraw a decision",
                "description": "Role: board, and only the decision's proposer, while it is open. Takes no fields: no body, or `{}`. Answers 200, not 201: nothing new is created, the decision is now `withdrawn`.",
                "tags": ["Decisions"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": false,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/WithdrawalRequest"}}
                  }
                },
                "responses": {
                  "200": {
                    "description": "The decision, withdrawn. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Decision"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `decision-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/decision-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`decision-closed`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/decision-closed", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/spend": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "recordSpend",
                "summary": "Record spend",
                "description": "Role: finance, for the caller's own partner only. Posts one balanced journal entry: `partner:<slug>:cost:<LINE>` debited, `partner:<slug>:funding` credited.",
                "tags": ["Spend"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SpendRequest"}}}
                },
                "responses": {
                  "201": {
                    "description": "The recorded spend. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Spend"}}}
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `partner-not-found`, `budget-line-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/alliance-not-found",
                                    "/problems/partner-not-found",
                                    "/problems/budget-line-not-found"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/request-in-progress"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`, `floor-crossed`, `amount-overflow`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused",
                                    "/problems/floor-crossed",
                                    "/problems/amount-overflow"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listSpend",
                "summary": "List spend",
                "description": "Role: any person of the alliance (the books are open). Newest first.",
                "tags": ["Spend"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "partner",
                    "in": "query",
                    "required": false,
                    "description": "Only this partner's spend.",
                    "schema": {"$ref": "#/components/schemas/PartnerSlug"}
                  },
                  {
                    "name": "line",
                    "in": "query",
                    "required": false,
                    "description": "Only spend on this budget line.",
                    "schema": {"$ref": "#/components/schemas/BudgetLineCode"}
                  },
                  {
                    "name": "period",
                    "in": "query",
                    "required": false,
                    "description": "Only spend incurred in this period: a month `2025-10`, a quarter of the financial year `FY2025-Q3`, a financial year `FY2025`, or a range of days `2025-04-01..2025-06-30`.",
                    "schema": {"type": "string"},
                    "examples": {
                      "month": {"value": "2025-10"},
                      "quarter": {"value": "FY2025-Q3"},
                      "year": {"value": "FY2025"},
                      "range": {"value": "2025-04-01..2025-06-30"}
                    }
                  },
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of spend, newest first.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SpendPage"}}}
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `partner-not-found`, `budget-line-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/alliance-not-found",
                                    "/problems/partner-not-found",
                                    "/problems/budget-line-not-found"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/spend/{id}": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/SpendID"}
              ],
              "get": {
                "operationId": "getSpend",
                "summary": "Read a spend",
                "description": "Role: any person of the alliance.",
                "tags": ["Spend"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The spend.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Spend"}}}
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `spend-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": ["/problems/alliance-not-found", "/problems/spend-not-found"]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/spend/{id}/reversal": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/SpendID"}
              ],
              "post": {
                "operationId": "reverseSpend",
                "summary": "Reverse a spend",
                "description": "Role: finance, of the spend's partner. Records a reversal entry that references the spend and carries the reason; the spend itself never changes.",
                "tags": ["Spend"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ReversalRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The reversal entry. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/JournalEntry"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `spend-not-found`, `entry-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/alliance-not-found",
                                    "/problems/spend-not-found",
                                    "/problems/entry-not-found"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`already-reversed`, `cannot-reverse-reversal`, `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/already-reversed",
                                    "/problems/cannot-reverse-reversal",
                                    "/problems/request-in-progress"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`, `floor-crossed`, `amount-overflow`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused",
                                    "/problems/floor-crossed",
                                    "/problems/amount-overflow"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/spend/imports": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "importSpend",
                "summary": "Import spend from CSV",
                "description": "Role: finance. Rows for a partner other than the caller's own are row errors. The body is CSV with the header `date,partner,budget_line,amount,description,supplier,reference`; amounts are decimals in the currency's major unit (`1234.56`). Rows whose partner and reference were recorded before are counted as duplicates and skipped, so importing the same file again records nothing new.",
                "tags": ["Spend"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "mode",
                    "in": "query",
                    "required": false,
                    "description": "`all-or-nothing`: any invalid row rejects the whole file. `skip-invalid`: valid rows are recorded, invalid ones reported.",
                    "schema": {
                      "type": "string",
                      "enum": ["all-or-nothing", "skip-invalid"],
                      "default": "all-or-nothing"
                    }
                  },
                  {"$ref": "#/components/parameters/IdempotencyKey"}
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "text/csv": {
                      "schema": {"type": "string"},
                      "example": "date,partner,budget_line,amount,description,supplier,reference\n2025-05-14,slam,STAFF,1234.56,Agency nurse cover,NHS Professionals,INV-1001\n"
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The import was recorded (`committed` is true); invalid rows skipped under `skip-invalid` are listed in `errors`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/ImportReport"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/request-in-progress"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`import-rejected`, `invalid-field` with field `body` for a file without the expected header, `idempotency-key-reused`, `amount-overflow`, `floor-crossed`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {
                              "oneOf": [
                                {"$ref": "#/components/schemas/ImportRejectedProblem"},
                                {"$ref": "#/components/schemas/Problem", "not": {"required": ["report"]}}
                              ]
                            },
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/import-rejected",
                                    "/problems/invalid-field",
                                    "/problems/idempotency-key-reused",
                                    "/problems/amount-overflow",
                                    "/problems/floor-crossed"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/balances": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "getBalances",
                "summary": "Read account balances",
                "description": "Role: auditor or admin. Reading a balance costs the same whatever the length of the history.",
                "tags": ["Ledger"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "asOf",
                    "in": "query",
                    "required": false,
                    "description": "Balances at the end of this day, from entries effective by then; now when absent.",
                    "schema": {"$ref": "#/components/schemas/Date"}
                  }
                ],
                "responses": {
                  "200": {
                    "description": "Every account's balance.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Balances"}}}
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/journal": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "listJournal",
                "summary": "List journal entries",
                "description": "Role: auditor or admin. Oldest first.",
                "tags": ["Ledger"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "kind",
                    "in": "query",
                    "required": false,
                    "description": "Only entries of this kind.",
                    "schema": {"$ref": "#/components/schemas/EntryKind"}
                  },
                  {
                    "name": "account",
                    "in": "query",
                    "required": false,
                    "description": "Only entries with a posting to this account.",
                    "schema": {"$ref": "#/components/schemas/AccountCode"}
                  },
                  {
                    "name": "from",
                    "in": "query",
                    "required": false,
                    "description": "Only entries effective on or after this day.",
                    "schema": {"$ref": "#/components/schemas/Date"}
                  },
                  {
                    "name": "to",
                    "in": "query",
                    "required": false,
                    "description": "Only entries effective on or before this day.",
                    "schema": {"$ref": "#/components/schemas/Date"}
                  },
                  {"$ref": "#/components/parameters/Limit"},
                  {"$ref": "#/components/parameters/Cursor"}
                ],
                "responses": {
                  "200": {
                    "description": "A page of entries, oldest first.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/JournalEntryPage"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/verify": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "verifyLedger",
                "summary": "Verify the journal",
                "description": "Role: auditor or admin. Recomputes the whole hash chain from the stored entries and every balance from the postings, on one consistent snapshot. A broken chain answers 200 with `ok` false.",
                "tags": ["Ledger"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "What the check found.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/VerificationReport"}}
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/outcomes/terms": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "get": {
                "operationId": "getOutcomeTerms",
                "summary": "Read a year's outcome terms",
                "description": "Role: any person of the alliance. The outcome terms in force for a financial year — the pool, how often it is paid, the measures with their targets, weights and payment rules, and the partners' shares — and the carried `outcomes.setTerms` decision that set them. Terms change only through a carried decision.",
                "tags": ["Outcomes"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "year",
                    "in": "query",
                    "required": true,
                    "description": "The financial year, e.g. `FY2025`.",
                    "schema": {"$ref": "#/components/schemas/FinancialYear"},
                    "example": "FY2025"
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The terms in force.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/OutcomeTermsInForce"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `terms-not-found`: no `outcomes.setTerms` decision has carried for the year)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found", "/problems/terms-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/outcomes/measurements": {
              "parameters": [{"$ref": "#/components/parameters/Alliance"}],
              "post": {
                "operationId": "recordOutcomeMeasurement",
                "summary": "Record an outcome measurement",
                "description": "Role: finance, as a person (the operator's token is refused: it acts for no one). Records a measure's value for one of the payment periods of the outcome terms in force for the period's year, with its evidence and who recorded it. Measurements never change: a correction is a later measurement, and the latest of a measure and period is the one that counts. Refused once the period's outcomes are paid (409 `exists`).",
                "tags": ["Outcomes"],
                "security": [{"bearer": []}],
                "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/OutcomeMeasurementRequest"}}
                  }
                },
                "responses": {
                  "201": {
                    "description": "The recorded measurement. A replay answers the same status and body, with `Idempotent-Replayed: true`.",
                    "headers": {"Idempotent-Replayed": {"$ref": "#/components/headers/IdempotentReplayed"}},
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/OutcomeMeasurement"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`malformed-json`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/malformed-json"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "A conflict (`exists`: the period's outcomes are paid, so its measurements can no longer change; `request-in-progress`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {"enum": ["/problems/exists", "/problems/request-in-progress"]}
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "413": {"$ref": "#/components/responses/BodyTooLarge"},
                  "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`, `unknown-field`, `idempotency-key-reused`): e.g. a value that is not a number or has more than four decimal places, empty evidence, a measure that is not one of the terms', a period with no outcome terms for its year or not one of the periods they pay by; `field` names it",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {
                              "properties": {
                                "type": {
                                  "enum": [
                                    "/problems/invalid-field",
                                    "/problems/unknown-field",
                                    "/problems/idempotency-key-reused"
                                  ]
                                }
                              }
                            }
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              },
              "get": {
                "operationId": "listOutcomeMeasurements",
                "summary": "List a period's outcome measurements",
                "description": "Role: any person of the alliance (the books are open). Every measurement of the period, corrections included, by measure and oldest first within a measure; `current` marks the one that counts. The period comes whole, in one page: it takes no `limit` or `cursor`, and `nextCursor` is null.",
                "tags": ["Outcomes"],
                "security": [{"bearer": []}],
                "parameters": [
                  {
                    "name": "period",
                    "in": "query",
                    "required": true,
                    "description": "The period: a financial year `FY2025`, a quarter `FY2025-Q1` or a month `2025-10`.",
                    "schema": {"$ref": "#/components/schemas/OutcomePeriod"},
                    "examples": {
                      "year": {"value": "FY2025"},
                      "quarter": {"value": "FY2025-Q1"},
                      "month": {"value": "2025-10"}
                    }
                  }
                ],
                "responses": {
                  "200": {
                    "description": "The period's measurements.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/OutcomeMeasurementList"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/outcomes/payments/{period}": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/OutcomePeriod"}
              ],
              "get": {
                "operationId": "getOutcomePayment",
                "summary": "Read a period's outcome payment",
                "description": "Role: any person of the alliance. The period's payment: each measure's target, latest measurement, attainment and what it earned, and each partner's part. Computed on demand from the terms in force and the latest measurements until an `outcomePayments.approve` decision carries; then the payment as posted, with `posted` naming the decision and its journal entry.",
                "tags": ["Outcomes"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The payment, as it would be now or as posted.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OutcomePayment"}}}
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`): it takes no query parameters",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `terms-not-found`: the period's year has no outcome terms)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found", "/problems/terms-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`): the period is malformed, or it is not one of the periods the year's terms pay by; `field` is `period`",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-field"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            },
            "/v1/alliances/{alliance}/risk-share/{year}": {
              "parameters": [
                {"$ref": "#/components/parameters/Alliance"},
                {"$ref": "#/components/parameters/Year"}
              ],
              "get": {
                "operationId": "getRiskShareStatement",
                "summary": "Read a year's gain/pain position",
                "description": "Role: any person of the alliance. The year's target cost (the sum of its budgets), actual cost (its net spend), their difference, the partner side's part of it by the terms in force (banded and capped) and the owner side's, and each partner's part. Computed on demand until a `riskShare.settle` decision carries; then the year as settled, with `settled` naming the decision and its journal entry.",
                "tags": ["Risk/reward"],
                "security": [{"bearer": []}],
                "responses": {
                  "200": {
                    "description": "The position, as it stands or as settled.",
                    "content": {
                      "application/json": {"schema": {"$ref": "#/components/schemas/RiskShareStatement"}}
                    }
                  },
                  "400": {
                    "description": "A malformed request (`invalid-query`): it takes no query parameters",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-query"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "401": {"$ref": "#/components/responses/Unauthenticated"},
                  "403": {"$ref": "#/components/responses/Forbidden"},
                  "404": {
                    "description": "Not found (`alliance-not-found`, `terms-not-found`: no `riskShare.setTerms` decision has carried for the year)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/alliance-not-found", "/problems/terms-not-found"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "The request cannot be processed (`invalid-field`): the year is malformed; `field` is `year`",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "allOf": [
                            {"$ref": "#/components/schemas/Problem"},
                            {"properties": {"type": {"enum": ["/problems/invalid-field"]}}}
                          ]
                        }
                      }
                    }
                  },
                  "500": {"$ref": "#/components/responses/Internal"},
                  "503": {"$ref": "#/components/responses/DatabaseUnavailable"}
                }
              }
            }
          },
          "components": {
            "securitySchemes": {
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`alt_…`): the operator's, or a person's issued by `POST /v1/alliances/{alliance}/people/{person}/tokens`."
              }
            },
            "parameters": {
              "Alliance": {
                "name": "alliance",
                "in": "path",
                "required": true,
                "description": "The alliance's slug.",
                "schema": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 64,
                  "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$"
                }
              },
              "Person": {
                "name": "person",
                "in": "path",
                "required": true,
                "description": "The person's numeric id.",
                "schema": {"type": "integer", "format": "int64", "minimum": 1}
              },
              "SpendID": {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The spend's id (its journal sequence).",
                "schema": {"type": "integer", "format": "int64", "minimum": 1}
              },
              "DecisionID": {
                "name": "id",
                "in": "path",
                "required": true,
                "description": "The decision's numeric id, or its number within the alliance such as `D-0001`.",
                "schema": {"type": "string", "pattern": "^([1-9][0-9]{0,18}|D-[0-9]{4,})$"},
                "examples": {"number": {"value": "D-0001"}, "id": {"value": "17"}}
              },
              "OutcomePeriod": {
                "name": "period",
                "in": "path",
                "required": true,
                "description": "A payment period of the year's outcome terms: the financial year `FY2025`, a quarter `FY2025-Q1` or a month `2025-10`, by the terms' frequency.",
                "schema": {"$ref": "#/components/schemas/OutcomePeriod"},
                "examples": {"year": {"value": "FY2025"}, "quarter": {"value": "FY2025-Q1"}, "month": {"value": "2025-10"}}
              },
              "Year": {
                "name": "year",
                "in": "path",
                "required": true,
                "description": "The financial year, e.g. `FY2025`.",
                "schema": {"$ref": "#/components/schemas/FinancialYear"},
                "example": "FY2025"
              },
              "Limit": {
                "name": "limit",
                "in": "query",
                "required": false,
                "description": "At most this many items on the page.",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}
              },
              "Cursor": {
                "name": "cursor",
                "in": "query",
                "required": false,
                "description": "The `nextCursor` of the previous page; opaque.",
                "schema": {"type": "string", "minLength": 1}
              },
              "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "Makes a retry safe. A retry with the same key and the same request answers the first answer again, with the same status and body and the header `Idempotent-Replayed: true`, and records nothing new. The same key with a different request answers 422 `/problems/idempotency-key-reused`; while the first request is still running, 409 `/problems/request-in-progress`.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[!-~]{1,128}$"}
              }
            },
            "headers": {
              "IdempotentReplayed": {
                "description": "Present, `true`, when the answer repeats an earlier request's with the same `Idempotency-Key`.",
                "schema": {"type": "string", "enum": ["true"]}
              },
              "WWWAuthenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}
            },
            "responses": {
              "Unauthenticated": {
                "description": "No token, or an unknown or revoked one (`unauthenticated`)",
                "headers": {"WWW-Authenticate": {"$ref": "#/components/headers/WWWAuthenticate"}},
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/unauthenticated"]}}}
                      ]
                    }
                  }
                }
              },
              "Forbidden": {
                "description": "The caller may not do this (`forbidden`)",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/forbidden"]}}}
                      ]
                    }
                  }
                }
              },
              "BodyTooLarge": {
                "description": "The body is too large (`body-too-large`)",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/body-too-large"]}}}
                      ]
                    }
                  }
                }
              },
              "UnsupportedMediaType": {
                "description": "The body's media type is not the one taken (`unsupported-media-type`)",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/unsupported-media-type"]}}}
                      ]
                    }
                  }
                }
              },
              "DatabaseUnavailable": {
                "description": "The database is unavailable (`database-unavailable`)",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/database-unavailable"]}}}
                      ]
                    }
                  }
                }
              },
              "Internal": {
                "description": "An unexpected error (`internal`)",
                "content": {
                  "application/problem+json": {
                    "schema": {
                      "allOf": [
                        {"$ref": "#/components/schemas/Problem"},
                        {"properties": {"type": {"enum": ["/problems/internal"]}}}
                      ]
                    }
                  }
                }
              }
            },
            "schemas": {
              "Problem": {
                "title": "Problem",
                "description": "An error, in the RFC 9457 format (`application/problem+json`). `type` is a stable, relative URI that clients may switch on; `title` is the same for every occurrence of the type; `detail` explains this occurrence; `field` names the request field, header or query parameter at fault, where there is one. Nothing is written on any error.\n\n| type | status | meaning |\n| --- | --- | --- |\n| `/problems/malformed-json` | 400 | The body is not well-formed JSON, or not a JSON object. |\n| `/problems/invalid-query` | 400 | A query parameter is missing, malformed or out of range; `field` names it. |\n| `/problems/unauthenticated` | 401 | No `Authorization: Bearer` token, or an unknown or revoked one. The answer carries `WWW-Authenticate: Bearer`. |\n| `/problems/forbidden` | 403 | The token is valid but its holder may not do this: a missing role, another alliance, another partner's spend or vote, or the withdrawal of a decision someone else proposed. |\n| `/problems/not-found` | 404 | No such route. |\n| `/problems/method-not-allowed` | 405 | The route exists but does not take this method; `Allow` lists the ones it takes. |\n| `/problems/alliance-not-found` | 404 | The `{alliance}` slug names no alliance. |\n| `/problems/partner-not-found` | 404 | The partner slug names no partner of the alliance. |\n| `/problems/budget-line-not-found` | 404 | The budget line code names no budget line of the alliance. |\n| `/problems/person-not-found` | 404 | The `{person}` id names no person of the alliance. |\n| `/problems/spend-not-found` | 404 | The `{id}` names no spend entry of the alliance. |\n| `/problems/entry-not-found` | 404 | The journal entry does not exist in the alliance. |\n| `/problems/decision-not-found` | 404 | The `{id}` names no decision of the alliance: neither its id nor its number such as `D-0001`. |\n| `/problems/terms-not-found` | 404 | The year has no outcome terms, or no risk/reward terms: no decision setting them has carried. A request that acts on such a year (a measurement, an approval, a settlement) is `invalid-field` instead, naming its period or year. |\n| `/problems/exists` | 409 | Something with this slug, code or e-mail address exists already, or what the request would change is settled already: a period's outcomes are paid (its measurements and its year's terms can no longer change, and it cannot be paid twice), a year's gain/pain is settled; `detail` says what. |\n| `/problems/already-reversed` | 409 | The spend was reversed already; `detail` names the reversal entry. |\n| `/problems/cannot-reverse-reversal` | 409 | A reversal cannot itself be reversed. |\n| `/problems/decision-closed` | 409 | The decision is no longer open (carried, rejected, lapsed, withdrawn or failed) or its closing time has passed: it takes no more votes and cannot be withdrawn. |\n| `/problems/vote-conflict` | 409 | The partner already has a vote cast at this very instant, so which is its latest would be undecided; vote again. |\n| `/problems/request-in-progress` | 409 | A request with the same `Idempotency-Key` is still being processed; retry later. |\n| `/problems/token-shown-once` | 409 | A retry of a token issue with the same `Idempotency-Key`: the token was shown once, is stored only as a hash and cannot be shown again. Issue a new one. |\n| `/problems/body-too-large` | 413 | The request body is over the service's size limit. |\n| `/problems/unsupported-media-type` | 415 | The `Content-Type` is not the one the operation takes (`application/json`, or `text/csv` for imports). |\n| `/problems/invalid-field` | 422 | A field is missing, of the wrong type, or has a bad value: an over-long or empty string, an amount that is zero, negative, not an integer or beyond 64 bits, a date outside the contract or the partner's membership, a closing time not in the future, an objection without a reason, shares not summing to 10000, a measured value that is not a number or has more than four decimal places, a measure or period that the year's outcome terms do not have, a year without terms, an approval of a period not yet ended or not fully measured, a malformed `Idempotency-Key` header. `field` names it, by its path in the body where it is nested (`action.lines[0].amount`). |\n| `/problems/unknown-field` | 422 | The body has a field the operation does not take; `field` names it. Nothing is ignored silently. |\n| `/problems/idempotency-key-reused` | 422 | The `Idempotency-Key` was used before with a different request. |\n| `/problems/floor-crossed` | 422 | The entry would take an account below its floor. |\n| `/problems/amount-overflow` | 422 | A total or a balance would not fit in 64 bits of minor units. |\n| `/problems/import-rejected` | 422 | An `all-or-nothing` import found invalid rows and recorded nothing; the problem carries the `report` with every row error. |\n| `/problems/database-unavailable` | 503 | The database cannot be reached; nothing was written. Retry later. |\n| `/problems/internal` | 500 | An unexpected error; nothing was written. |",
                "type": "object",
                "required": ["type", "title", "status"],
                "properties": {
                  "type": {
                    "type": "string",
                    "format": "uri-reference",
                    "pattern": "^/problems/[a-z0-9-]+$",
                    "examples": ["/problems/forbidden"]
                  },
                  "title": {"type": "string"},
                  "status": {"type": "integer", "minimum": 400, "maximum": 599},
                  "detail": {"type": "string"},
                  "field": {
                    "type": "string",
                    "description": "The request field, header or query parameter at fault."
                  }
                }
              },
              "ImportRejectedProblem": {
                "description": "The problem `/problems/import-rejected`: an all-or-nothing import with invalid rows, which recorded nothing. `report.committed` is false.",
                "allOf": [
                  {"$ref": "#/components/schemas/Problem"},
                  {
                    "type": "object",
                    "required": ["report"],
                    "properties": {"report": {"$ref": "#/components/schemas/ImportReport"}}
                  }
                ]
              },
              "Amount": {
                "description": "An amount in integer minor units of the alliance's currency (pence for GBP). Never a fraction.",
                "type": "integer",
                "format": "int64"
              },
              "Date": {
                "description": "A calendar day, `YYYY-MM-DD`.",
                "type": "string",
                "format": "date",
                "examples": ["2025-05-14"]
              },
              "Instant": {
                "description": "An instant in RFC 3339, in UTC with microseconds, e.g. `2025-05-14T10:00:00.123456Z`.",
                "type": "string",
                "format": "date-time",
                "examples": ["2025-05-14T10:00:00.123456Z"]
              },
              "Hash": {
                "description": "A SHA-256 digest: 64 lower-case hexadecimal characters.",
                "type": "string",
                "pattern": "^[0-9a-f]{64}$"
              },
              "PartnerSlug": {
                "description": "A partner's slug: 1 to 40 lower-case letters, digits and inner hyphens.",
                "type": "string",
                "minLength": 1,
                "maxLength": 40,
                "pattern": "^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$",
                "examples": ["slam"]
              },
              "BudgetLineCode": {
                "description": "A budget line's code: 1 to 32 upper-case letters, digits and underscores, starting with a letter.",
                "type": "string",
                "minLength": 1,
                "maxLength": 32,
                "pattern": "^[A-Z][A-Z0-9_]{0,31}$",
                "examples": ["STAFF"]
              },
              "AccountCode": {
                "description": "A stable, public account name: segments of letters, digits, `_` and `-` joined by colons, at most 200 characters. A partner's cost account for a budget line is `partner:<slug>:cost:<LINE>`, its funding account `partner:<slug>:funding`.",
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "pattern": "^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$",
                "examples": ["partner:slam:cost:STAFF"]
              },
              "Currency": {
                "description": "An ISO 4217 code.",
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "examples": ["GBP"]
              },
              "Abstention": {
                "description": "Whether an abstention blocks a decision (unanimity: every partner approves) or stands aside.",
                "type": "string",
                "enum": ["blocks", "stands-aside"]
              },
              "PartnerKind": {
                "type": "string",
                "enum": ["commissioner", "nhs-provider", "local-authority", "vcse", "other"]
              },
              "Role": {
                "description": "`admin` sets up the alliance, its partners, lines, people and tokens; `finance` records spend for their own partner, and outcome measurements; `board` proposes decisions and votes for their own partner; `auditor` reads everything.",
                "type": "string",
                "enum": ["admin", "finance", "board", "auditor"]
              },
              "EntryKind": {
                "type": "string",
                "enum": [
                  "opening",
                  "spend",
                  "reversal",
                  "contract-payment",
                  "outcome-payment",
                  "risk-share",
                  "adjustment"
                ]
              },
              "AccountType": {
                "description": "Assets and expenses are debit-normal; liabilities, equity and income are credit-normal.",
                "type": "string",
                "enum": ["asset", "liability", "equity", "income", "expense"]
              },
              "Alliance": {
                "description": "An alliance contract: the scope of every partner, account, entry and decision.",
                "type": "object",
                "required": [
                  "id",
                  "slug",
                  "name",
                  "currency",
                  "financialYearStartMonth",
                  "contractStart",
                  "contractEnd",
                  "abstention",
                  "createdAt"
                ],
                "properties": {
                  "id": {"type": "integer", "format": "int64"},
                  "slug": {"type": "string", "examples": ["lambeth-living-well"]},
                  "name": {"type": "string"},
                  "currency": {"$ref": "#/components/schemas/Currency"},
                  "financialYearStartMonth": {"type": "integer", "minimum": 1, "maximum": 12},
                  "contractStart": {"oneOf": [{"$ref": "#/components/schemas/Date"}, {"type": "null"}]},
                  "contractEnd": {"oneOf": [{"$ref": "#/components/schemas/Date"}, {"type": "null"}]},
                  "abstention": {"$ref": "#/components/schemas/Abstention"},
                  "createdAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "AllianceRequest": {
                "type": "object",
                "required": ["slug", "name"],
                "properties": {
                  "slug": {
                    "description": "1 to 64 lower-case letters, digits and inner hyphens; used in URLs.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "pattern": "^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$",
                    "examples": ["lambeth-living-well"]
                  },
                  "name": {"type": "string", "minLength": 1, "maxLength": 200},
                  "currency": {"$ref": "#/components/schemas/Currency", "default": "GBP"},
                  "financialYearStartMonth": {
                    "description": "The month the financial year starts in; 4 = April, the UK public-sector year (FY2025 = 1 Apr 2025 to 31 Mar 2026).",
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 12,
                    "default": 4
                  },
                  "contractStart": {
                    "$ref": "#/components/schemas/Date",
                    "description": "The contract's first day; no limit when absent."
                  },
                  "contractEnd": {
                    "$ref": "#/components/schemas/Date",
                    "description": "The contract's last day, after `contractStart`; no limit when absent."
                  },
                  "abstention": {"$ref": "#/components/schemas/Abstention", "default": "blocks"}
                },
                "additionalProperties": false
              },
              "Partner": {
                "description": "An organisation in the alliance. Only current partners vote.",
                "type": "object",
                "required": ["id", "slug", "name", "kind", "joinedOn", "leftOn", "createdAt"],
                "properties": {
                  "id": {"type": "integer", "format": "int64"},
                  "slug": {"$ref": "#/components/schemas/PartnerSlug"},
                  "name": {"type": "string"},
                  "kind": {"$ref": "#/components/schemas/PartnerKind"},
                  "joinedOn": {"$ref": "#/components/schemas/Date"},
                  "leftOn": {"oneOf": [{"$ref": "#/components/schemas/Date"}, {"type": "null"}]},
                  "createdAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "PartnerRequest": {
                "type": "object",
                "required": ["slug", "name", "kind"],
                "properties": {
                  "slug": {"$ref": "#/components/schemas/PartnerSlug"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 200},
                  "kind": {"$ref": "#/components/schemas/PartnerKind"},
                  "joinedOn": {
                    "$ref": "#/components/schemas/Date",
                    "description": "When the partner joined; by default the contract's start, or today when the contract has no start."
                  }
                },
                "additionalProperties": false
              },
              "BudgetLine": {
                "description": "A heading of the budget, such as STAFF or PREMISES.",
                "type": "object",
                "required": ["id", "code", "name", "createdAt"],
                "properties": {
                  "id": {"type": "integer", "format": "int64"},
                  "code": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "name": {"type": "string"},
                  "createdAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "BudgetLineRequest": {
                "type": "object",
                "required": ["code", "name"],
                "properties": {
                  "code": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 200}
                },
                "additionalProperties": false
              },
              "Person": {
                "description": "Someone from a partner organisation, with roles in the alliance.",
                "type": "object",
                "required": ["id", "name", "email", "partner", "roles", "createdAt"],
                "properties": {
                  "id": {"type": "integer", "format": "int64"},
                  "name": {"type": "string"},
                  "email": {"type": "string", "format": "email"},
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "roles": {
                    "description": "Sorted.",
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Role"},
                    "uniqueItems": true
                  },
                  "createdAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "PersonRequest": {
                "type": "object",
                "required": ["name", "email", "partner", "roles"],
                "properties": {
                  "name": {"type": "string", "minLength": 1, "maxLength": 200},
                  "email": {"type": "string", "format": "email", "maxLength": 254},
                  "partner": {
                    "$ref": "#/components/schemas/PartnerSlug",
                    "description": "The slug of the partner the person belongs to."
                  },
                  "roles": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Role"},
                    "minItems": 1,
                    "uniqueItems": true,
                    "examples": [["finance", "board"]]
                  }
                },
                "additionalProperties": false
              },
              "TokenRequest": {
                "description": "Nothing to say: an empty object.",
                "type": "object",
                "properties": {},
                "additionalProperties": false
              },
              "IssuedToken": {
                "description": "A new API token for a person.",
                "type": "object",
                "required": ["token"],
                "properties": {
                  "token": {
                    "description": "The bearer token. Shown once: the service keeps only its SHA-256 hash.",
                    "type": "string",
                    "pattern": "^alt_"
                  }
                }
              },
              "BudgetFigure": {
                "type": "object",
                "required": ["partner", "budgetLine", "amount", "decision", "setAt"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "budgetLine": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "amount": {"$ref": "#/components/schemas/Amount"},
                  "decision": {
                    "description": "The carried decision that set this figure.",
                    "$ref": "#/components/schemas/DecisionNumber"
                  },
                  "setAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "DecisionNumber": {
                "description": "A decision's number within its alliance.",
                "type": "string",
                "pattern": "^D-[0-9]{4,}$",
                "examples": ["D-0001"]
              },
              "BudgetYear": {
                "description": "The budget of one financial year: an amount per partner and budget line.",
                "type": "object",
                "required": ["year", "lines"],
                "properties": {
                  "year": {"type": "string", "pattern": "^FY[0-9]{4}$", "examples": ["FY2025"]},
                  "lines": {"type": "array", "items": {"$ref": "#/components/schemas/BudgetFigure"}}
                }
              },
              "BudgetChange": {
                "description": "One change to one budget figure, made by a carried `budget.set` decision.",
                "type": "object",
                "required": ["partner", "budgetLine", "previous", "amount", "decision", "appliedAt"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "budgetLine": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "previous": {
                    "description": "The figure before the change; null when the decision set it first.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "amount": {"$ref": "#/components/schemas/Amount", "description": "The figure after the change."},
                  "decision": {
                    "description": "The carried decision that made the change.",
                    "$ref": "#/components/schemas/DecisionNumber"
                  },
                  "appliedAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "FinancialYear": {
                "description": "A financial year by the calendar year it starts in.",
                "type": "string",
                "pattern": "^FY[0-9]{4}$",
                "examples": ["FY2025"]
              },
              "DecisionState": {
                "description": "`open` until it closes, once: `carried` (the rule was met and the action applied), `rejected` (at the closing time a partner objected, or abstained where abstention blocks), `lapsed` (at the closing time a partner had not voted: silence is never consent), `withdrawn` (by its proposer), `failed` (the rule was met but the action could no longer apply; the books are untouched).",
                "type": "string",
                "enum": ["open", "carried", "rejected", "lapsed", "withdrawn", "failed"]
              },
              "VoteChoice": {
                "description": "`object` needs a reason; `abstain` blocks the decision where the alliance's abstention setting is `blocks`.",
                "type": "string",
                "enum": ["approve", "object", "abstain"]
              },
              "ProposalRequest": {
                "type": "object",
                "required": ["title"],
                "properties": {
                  "title": {"type": "string", "minLength": 1, "maxLength": 200},
                  "description": {"type": "string", "minLength": 0, "maxLength": 10000, "default": ""},
                  "closesAt": {
                    "$ref": "#/components/schemas/Instant",
                    "description": "When voting ends: an RFC 3339 instant with its offset, e.g. `2025-06-01T17:00:00Z`, in the future. Seven days after opening when absent.",
                    "examples": ["2025-06-01T17:00:00Z"]
                  },
                  "action": {
                    "description": "What the decision does to the books once carried; absent or null for a resolution recorded for the minutes.",
                    "oneOf": [{"$ref": "#/components/schemas/DecisionAction"}, {"type": "null"}]
                  }
                },
                "additionalProperties": false
              },
              "VoteRequest": {
                "type": "object",
                "required": ["vote"],
                "properties": {
                  "vote": {"$ref": "#/components/schemas/VoteChoice"},
                  "reason": {
                    "description": "Why: required to object (say what would need to change), optional otherwise.",
                    "type": ["string", "null"],
                    "maxLength": 2000
                  },
                  "partner": {
                    "$ref": "#/components/schemas/PartnerSlug",
                    "description": "The partner voted for; when given, it must be the caller's own (else 403)."
                  }
                },
                "additionalProperties": false
              },
              "WithdrawalRequest": {
                "description": "Nothing to say: an empty object, or no body at all.",
                "type": "object",
                "properties": {},
                "additionalProperties": false
              },
              "DecisionAction": {
                "description": "What a carried decision does, in one transaction with the vote that carries it. Discriminated by `type`; every object refuses unknown fields. Checked when proposed and again when applied.",
                "oneOf": [
                  {"$ref": "#/components/schemas/BudgetSetAction"},
                  {"$ref": "#/components/schemas/PartnerAdmitAction"},
                  {"$ref": "#/components/schemas/PartnerRemoveAction"},
                  {"$ref": "#/components/schemas/RiskShareSetTermsAction"},
                  {"$ref": "#/components/schemas/OutcomesSetTermsAction"},
                  {"$ref": "#/components/schemas/OutcomePaymentsApproveAction"},
                  {"$ref": "#/components/schemas/RiskShareSettleAction"}
                ],
                "discriminator": {
                  "propertyName": "type",
                  "mapping": {
                    "budget.set": "#/components/schemas/BudgetSetAction",
                    "partner.admit": "#/components/schemas/PartnerAdmitAction",
                    "partner.remove": "#/components/schemas/PartnerRemoveAction",
                    "riskShare.setTerms": "#/components/schemas/RiskShareSetTermsAction",
                    "outcomes.setTerms": "#/components/schemas/OutcomesSetTermsAction",
                    "outcomePayments.approve": "#/components/schemas/OutcomePaymentsApproveAction",
                    "riskShare.settle": "#/components/schemas/RiskShareSettleAction"
                  }
                }
              },
              "BudgetSetAction": {
                "description": "Sets exactly the listed figures of one financial year; the others stay.",
                "type": "object",
                "required": ["type", "year", "lines"],
                "properties": {
                  "type": {"type": "string", "enum": ["budget.set"]},
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "lines": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                      "type": "object",
                      "required": ["partner", "budgetLine", "amount"],
                      "properties": {
                        "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                        "budgetLine": {"$ref": "#/components/schemas/BudgetLineCode"},
                        "amount": {"$ref": "#/components/schemas/Amount", "minimum": 0}
                      },
                      "additionalProperties": false
                    }
                  }
                },
                "additionalProperties": false
              },
              "PartnerAdmitAction": {
                "description": "Admits a new partner from `joinedOn` (within the contract's dates), opening its accounts. It votes on decisions opened after it is admitted.",
                "type": "object",
                "required": ["type", "partner", "joinedOn"],
                "properties": {
                  "type": {"type": "string", "enum": ["partner.admit"]},
                  "partner": {
                    "type": "object",
                    "required": ["slug", "name", "kind"],
                    "properties": {
                      "slug": {"$ref": "#/components/schemas/PartnerSlug"},
                      "name": {"type": "string", "minLength": 1, "maxLength": 200},
                      "kind": {"$ref": "#/components/schemas/PartnerKind"}
                    },
                    "additionalProperties": false
                  },
                  "joinedOn": {"$ref": "#/components/schemas/Date"}
                },
                "additionalProperties": false
              },
              "PartnerRemoveAction": {
                "description": "Records the day a partner leaves; it votes on nothing opened after that day.",
                "type": "object",
                "required": ["type", "partner", "leftOn"],
                "properties": {
                  "type": {"type": "string", "enum": ["partner.remove"]},
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "leftOn": {"$ref": "#/components/schemas/Date"}
                },
                "additionalProperties": false
              },
              "RiskShareSetTermsAction": {
                "description": "Sets how a financial year's gain (underspend) and pain (overspend) are shared: how much of the difference falls to the partner side (`partnerSide`), and how each side's part is divided among partners — each side's shares sum to 10000 basis points, each partner listed once per side; a partner listed on one side only has no share of the other. Refused once the year is settled.",
                "type": "object",
                "required": ["type", "year", "gain", "pain"],
                "properties": {
                  "type": {"type": "string", "enum": ["riskShare.setTerms"]},
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "gain": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShare"}},
                  "pain": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShare"}},
                  "partnerSide": {
                    "description": "The partner side's part of the difference: bands, caps and fee. Left out or null on a proposal: the whole difference goes to the partners, without caps or fee. An answer always carries it, filled in.",
                    "oneOf": [{"$ref": "#/components/schemas/RiskSharePartnerSide"}, {"type": "null"}],
                    "default": {
                      "gainBands": [{"upTo": null, "share": 10000}],
                      "painBands": [{"upTo": null, "share": 10000}],
                      "gainCap": null,
                      "painCap": null,
                      "fee": null
                    }
                  }
                },
                "additionalProperties": false
              },
              "OutcomesSetTermsAction": {
                "description": "Sets a financial year's outcome terms: the pool at stake, how often it is paid, the measures (weights summing to 10000 basis points of the pool, each code once) and the partners' shares of what is earned (summing to 10000). They replace the year's terms in force; refused once any of the year's periods is paid.",
                "type": "object",
                "required": ["type", "year", "pool", "measures", "shares"],
                "properties": {
                  "type": {"type": "string", "enum": ["outcomes.setTerms"]},
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "frequency": {
                    "description": "Left out or null on a proposal: `year`. An answer always carries it.",
                    "oneOf": [{"$ref": "#/components/schemas/OutcomeFrequency"}, {"type": "null"}],
                    "default": "year"
                  },
                  "pool": {"$ref": "#/components/schemas/Amount", "minimum": 0},
                  "measures": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 50,
                    "items": {"$ref": "#/components/schemas/OutcomeMeasure"}
                  },
                  "shares": {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeShare"}}
                },
                "additionalProperties": false
              },
              "OutcomePaymentsApproveAction": {
                "description": "Approves and posts a period's outcome payment: one `outcome-payment` journal entry debiting `alliance:outcome-payments` and crediting each partner's funding account with its part. Proposed only once the period has ended, every measure has a measurement and the period is not paid yet.",
                "type": "object",
                "required": ["type", "period"],
                "properties": {
                  "type": {"type": "string", "enum": ["outcomePayments.approve"]},
                  "period": {"$ref": "#/components/schemas/OutcomePeriod"},
                  "earned": {
                    "description": "The total the measurements earn: the figure voted on. Left out or null on a proposal, it is filled in; a figure that differs is refused. If the measurements earn anything else when the decision carries, it fails and nothing is paid.",
                    "type": ["integer", "null"],
                    "format": "int64",
                    "minimum": 0,
                    "default": null
                  }
                },
                "additionalProperties": false
              },
              "RiskShareSettleAction": {
                "description": "Settles a financial year's gain or pain: one `risk-share` journal entry between `alliance:risk-share` and each partner's funding account (credited with a gain, debited with a pain). Proposed only once the year has ended and is not settled yet.",
                "type": "object",
                "required": ["type", "year"],
                "properties": {
                  "type": {"type": "string", "enum": ["riskShare.settle"]},
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "partnerSide": {
                    "description": "The partner side's part (positive a gain, negative a pain): the figure voted on. Left out or null on a proposal, it is filled in; a figure that differs is refused. If the budgets, spend or terms give anything else when the decision carries, it fails and nothing is settled.",
                    "type": ["integer", "null"],
                    "format": "int64",
                    "default": null
                  }
                },
                "additionalProperties": false
              },
              "RiskShare": {
                "description": "A partner's share of a side, in basis points (10000 = 100%), and an optional cap in minor units on what it gains or bears. A proposal may leave `cap` out, meaning none; an answer always carries it.",
                "type": "object",
                "required": ["partner", "share", "cap"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "share": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "cap": {"type": ["integer", "null"], "format": "int64", "minimum": 0}
                },
                "additionalProperties": false
              },
              "RiskShareTerm": {
                "description": "One partner's terms in force after a `riskShare.setTerms` decision.",
                "type": "object",
                "required": ["partner", "gainShare", "painShare", "gainCap", "painCap"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "gainShare": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "painShare": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "gainCap": {"type": ["integer", "null"], "format": "int64", "minimum": 0},
                  "painCap": {"type": ["integer", "null"], "format": "int64", "minimum": 0}
                }
              },
              "DecisionEffect": {
                "description": "What a carried decision did, read back from the rows it produced. Discriminated by `type`, the action's.",
                "oneOf": [
                  {
                    "description": "The budget rows it changed.",
                    "type": "object",
                    "required": ["type", "year", "budgetChanges"],
                    "properties": {
                      "type": {"type": "string", "enum": ["budget.set"]},
                      "year": {"$ref": "#/components/schemas/FinancialYear"},
                      "budgetChanges": {"type": "array", "items": {"$ref": "#/components/schemas/BudgetChange"}}
                    }
                  },
                  {
                    "description": "The partner it admitted.",
                    "type": "object",
                    "required": ["type", "partner"],
                    "properties": {
                      "type": {"type": "string", "enum": ["partner.admit"]},
                      "partner": {"$ref": "#/components/schemas/Partner"}
                    }
                  },
                  {
                    "description": "The partner it removed, with its `leftOn`.",
                    "type": "object",
                    "required": ["type", "partner"],
                    "properties": {
                      "type": {"type": "string", "enum": ["partner.remove"]},
                      "partner": {"$ref": "#/components/schemas/Partner"}
                    }
                  },
                  {
                    "description": "The terms it set, per partner.",
                    "type": "object",
                    "required": ["type", "year", "terms"],
                    "properties": {
                      "type": {"type": "string", "enum": ["riskShare.setTerms"]},
                      "year": {"$ref": "#/components/schemas/FinancialYear"},
                      "terms": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShareTerm"}}
                    }
                  },
                  {
                    "description": "The outcome terms it set.",
                    "type": "object",
                    "required": ["type", "year", "terms"],
                    "properties": {
                      "type": {"type": "string", "enum": ["outcomes.setTerms"]},
                      "year": {"$ref": "#/components/schemas/FinancialYear"},
                      "terms": {"$ref": "#/components/schemas/OutcomeTerms"}
                    }
                  },
                  {
                    "description": "The payment as posted, and its journal entry; null when nothing was earned.",
                    "type": "object",
                    "required": ["type", "payment", "entry"],
                    "properties": {
                      "type": {"type": "string", "enum": ["outcomePayments.approve"]},
                      "payment": {"$ref": "#/components/schemas/OutcomePayment"},
                      "entry": {"oneOf": [{"$ref": "#/components/schemas/JournalEntry"}, {"type": "null"}]}
                    }
                  },
                  {
                    "description": "The year as settled, and its journal entry; null when nothing moved.",
                    "type": "object",
                    "required": ["type", "year", "settlement", "entry"],
                    "properties": {
                      "type": {"type": "string", "enum": ["riskShare.settle"]},
                      "year": {"$ref": "#/components/schemas/FinancialYear"},
                      "settlement": {"$ref": "#/components/schemas/RiskShareStatement"},
                      "entry": {"oneOf": [{"$ref": "#/components/schemas/JournalEntry"}, {"type": "null"}]}
                    }
                  }
                ]
              },
              "DecisionVote": {
                "description": "One vote of a partner. Every vote is kept, changes included; the partner's latest is `current` and is the one that counts.",
                "type": "object",
                "required": ["partner", "person", "vote", "reason", "castAt", "current"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "person": {
                    "description": "The e-mail address of the board member who cast it.",
                    "type": "string",
                    "format": "email"
                  },
                  "vote": {"$ref": "#/components/schemas/VoteChoice"},
                  "reason": {"type": ["string", "null"]},
                  "castAt": {"$ref": "#/components/schemas/Instant"},
                  "current": {"type": "boolean"}
                }
              },
              "DecisionTally": {
                "description": "The partners' current votes, counted: `electorate` = `approve` + `object` + `abstain` + `notVoted`.",
                "type": "object",
                "required": ["electorate", "approve", "object", "abstain", "notVoted"],
                "properties": {
                  "electorate": {"type": "integer", "minimum": 0},
                  "approve": {"type": "integer", "minimum": 0},
                  "object": {"type": "integer", "minimum": 0},
                  "abstain": {"type": "integer", "minimum": 0},
                  "notVoted": {"type": "integer", "minimum": 0}
                }
              },
              "Decision": {
                "description": "A decision of the alliance board, with every vote. Numbered per alliance; its text and action never change once open.",
                "type": "object",
                "required": [
                  "id",
                  "number",
                  "title",
                  "description",
                  "state",
                  "abstention",
                  "proposer",
                  "proposedAt",
                  "closesAt",
                  "closedAt",
                  "electorate",
                  "votes",
                  "tally",
                  "action",
                  "effect",
                  "failure"
                ],
                "properties": {
                  "id": {"type": "integer", "format": "int64", "minimum": 1},
                  "number": {"$ref": "#/components/schemas/DecisionNumber"},
                  "title": {"type": "string"},
                  "description": {"type": "string"},
                  "state": {"$ref": "#/components/schemas/DecisionState"},
                  "abstention": {
                    "$ref": "#/components/schemas/Abstention",
                    "description": "The rule it is decided by: the alliance's setting when it opened."
                  },
                  "proposer": {
                    "description": "The e-mail address of the board member who proposed it.",
                    "type": "string",
                    "format": "email"
                  },
                  "proposedAt": {"$ref": "#/components/schemas/Instant"},
                  "closesAt": {"$ref": "#/components/schemas/Instant"},
                  "closedAt": {
                    "description": "When it left `open`; null while open. For `rejected` and `lapsed`, its closing time.",
                    "oneOf": [{"$ref": "#/components/schemas/Instant"}, {"type": "null"}]
                  },
                  "electorate": {
                    "description": "The partners entitled to vote, fixed when it opened; sorted.",
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/PartnerSlug"},
                    "uniqueItems": true
                  },
                  "votes": {
                    "description": "Every vote, oldest first.",
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/DecisionVote"}
                  },
                  "tally": {"$ref": "#/components/schemas/DecisionTally"},
                  "action": {
                    "description": "Null for a resolution.",
                    "oneOf": [{"$ref": "#/components/schemas/DecisionAction"}, {"type": "null"}]
                  },
                  "effect": {
                    "description": "What the action did, once `carried`; null otherwise and for a resolution.",
                    "oneOf": [{"$ref": "#/components/schemas/DecisionEffect"}, {"type": "null"}]
                  },
                  "failure": {
                    "description": "Why the action could not apply, when `failed`; null otherwise.",
                    "type": ["string", "null"]
                  }
                }
              },
              "SpendRequest": {
                "type": "object",
                "required": ["partner", "budgetLine", "amount", "incurredOn", "description"],
                "properties": {
                  "partner": {
                    "$ref": "#/components/schemas/PartnerSlug",
                    "description": "The partner that spent; the caller's own."
                  },
                  "budgetLine": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "amount": {
                    "$ref": "#/components/schemas/Amount",
                    "minimum": 1,
                    "maximum": 9223372036854775807,
                    "examples": [123456]
                  },
                  "incurredOn": {
                    "$ref": "#/components/schemas/Date",
                    "description": "Within the contract's dates and the partner's membership."
                  },
                  "description": {"type": "string", "minLength": 1, "maxLength": 1000},
                  "supplier": {"type": "string", "minLength": 0, "maxLength": 200, "default": ""},
                  "reference": {
                    "type": "string",
                    "minLength": 0,
                    "maxLength": 200,
                    "default": "",
                    "description": "The partner's own reference, e.g. an invoice number; imports skip a reference the partner recorded before."
                  }
                },
                "additionalProperties": false
              },
              "Spend": {
                "description": "A recorded spend: one balanced journal entry debiting the partner's cost account for the line and crediting its funding account. Immutable; corrected by reversal.",
                "type": "object",
                "required": [
                  "id",
                  "partner",
                  "budgetLine",
                  "amount",
                  "incurredOn",
                  "description",
                  "supplier",
                  "reference",
                  "recordedBy",
                  "recordedAt",
                  "sequence",
                  "hash",
                  "reversedBy"
                ],
                "properties": {
                  "id": {
                    "description": "The spend's journal sequence.",
                    "type": "integer",
                    "format": "int64"
                  },
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "budgetLine": {"$ref": "#/components/schemas/BudgetLineCode"},
                  "amount": {"$ref": "#/components/schemas/Amount"},
                  "incurredOn": {"$ref": "#/components/schemas/Date"},
                  "description": {"type": "string"},
                  "supplier": {"type": "string"},
                  "reference": {"type": "string"},
                  "recordedBy": {
                    "description": "The e-mail address of the person who recorded it, or `operator`.",
                    "type": "string"
                  },
                  "recordedAt": {"$ref": "#/components/schemas/Instant"},
                  "sequence": {
                    "description": "The journal sequence; the same as `id`.",
                    "type": "integer",
                    "format": "int64"
                  },
                  "hash": {"$ref": "#/components/schemas/Hash", "description": "The journal entry's hash."},
                  "reversedBy": {
                    "description": "The sequence of the reversal entry, once reversed.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  }
                }
              },
              "ReversalRequest": {
                "type": "object",
                "required": ["reason"],
                "properties": {
                  "reason": {
                    "description": "Why the spend is reversed.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 1000
                  }
                },
                "additionalProperties": false
              },
              "Posting": {
                "type": "object",
                "required": ["line", "account", "amount"],
                "properties": {
                  "line": {"description": "1-based position in the entry.", "type": "integer", "minimum": 1},
                  "account": {"$ref": "#/components/schemas/AccountCode"},
                  "amount": {
                    "description": "Minor units; debits positive, credits negative; never zero.",
                    "type": "integer",
                    "format": "int64"
                  }
                }
              },
              "JournalEntry": {
                "description": "A recorded journal entry: append-only, hash-chained; its postings sum to zero.",
                "type": "object",
                "required": [
                  "sequence",
                  "kind",
                  "effectiveOn",
                  "recordedAt",
                  "recordedBy",
                  "description",
                  "metadata",
                  "idempotencyKey",
                  "requestHash",
                  "reverses",
                  "previousHash",
                  "hash",
                  "postings"
                ],
                "properties": {
                  "sequence": {
                    "description": "1, 2, 3, … per alliance, without gaps.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 1
                  },
                  "kind": {"$ref": "#/components/schemas/EntryKind"},
                  "effectiveOn": {"$ref": "#/components/schemas/Date"},
                  "recordedAt": {"$ref": "#/components/schemas/Instant"},
                  "recordedBy": {"type": "string"},
                  "description": {"type": "string"},
                  "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                  "idempotencyKey": {"type": ["string", "null"]},
                  "requestHash": {
                    "$ref": "#/components/schemas/Hash",
                    "description": "The hash of the request that recorded the entry."
                  },
                  "reverses": {
                    "description": "The sequence of the entry this one reverses.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "previousHash": {
                    "$ref": "#/components/schemas/Hash",
                    "description": "The previous entry's hash (for entry 1, the alliance's genesis hash)."
                  },
                  "hash": {
                    "$ref": "#/components/schemas/Hash",
                    "description": "Covers the entry's content, postings and `previousHash`."
                  },
                  "postings": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Posting"},
                    "minItems": 2
                  }
                }
              },
              "AccountBalance": {
                "type": "object",
                "required": ["code", "type", "balance", "normalBalance", "floor"],
                "properties": {
                  "code": {"$ref": "#/components/schemas/AccountCode"},
                  "type": {"$ref": "#/components/schemas/AccountType"},
                  "balance": {
                    "description": "The sum of the account's postings: debit-positive.",
                    "type": "integer",
                    "format": "int64"
                  },
                  "normalBalance": {
                    "description": "The balance on the account's normal side: positive when the account holds what it usually holds.",
                    "type": "integer",
                    "format": "int64"
                  },
                  "floor": {
                    "description": "The lowest balance allowed on the normal side; null for none.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  }
                }
              },
              "Balances": {
                "type": "object",
                "required": ["asOf", "accounts"],
                "properties": {
                  "asOf": {
                    "description": "The day the balances are at the end of; null for now.",
                    "oneOf": [{"$ref": "#/components/schemas/Date"}, {"type": "null"}]
                  },
                  "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/AccountBalance"}}
                }
              },
              "VerificationReport": {
                "type": "object",
                "required": ["ok", "entries", "headHash", "firstMismatch", "balanceDrifts", "headProblem"],
                "properties": {
                  "ok": {
                    "description": "True when the chain, every entry and every balance hold.",
                    "type": "boolean"
                  },
                  "entries": {
                    "description": "Entries read.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "headHash": {
                    "$ref": "#/components/schemas/Hash",
                    "description": "The recorded chain head: the last entry's hash, or the genesis hash of an empty journal."
                  },
                  "firstMismatch": {
                    "description": "The first entry whose sequence, link, hash or postings do not hold.",
                    "oneOf": [
                      {
                        "type": "object",
                        "required": ["sequence", "problem"],
                        "properties": {
                          "sequence": {"type": "integer", "format": "int64"},
                          "problem": {"type": "string"}
                        }
                      },
                      {"type": "null"}
                    ]
                  },
                  "balanceDrifts": {
                    "description": "Accounts whose recorded balance differs from the sum of their postings.",
                    "type": "array",
                    "items": {
                      "type": "object",
                      "required": ["account", "recorded", "recomputed"],
                      "properties": {
                        "account": {"$ref": "#/components/schemas/AccountCode"},
                        "recorded": {"type": "integer", "format": "int64"},
                        "recomputed": {"type": "integer", "format": "int64"}
                      }
                    }
                  },
                  "headProblem": {
                    "description": "Set when the recorded chain head does not match the last entry.",
                    "type": ["string", "null"]
                  }
                }
              },
              "ImportRowError": {
                "type": "object",
                "required": ["line", "reason"],
                "properties": {
                  "line": {
                    "description": "The line of the file, 1 being the header.",
                    "type": "integer",
                    "minimum": 1
                  },
                  "reason": {"type": "string"}
                }
              },
              "ImportReport": {
                "type": "object",
                "required": [
                  "mode", "rows", "recorded", "duplicates", "invalid", "committed", "firstSequence", "lastSequence",
                  "errors"
                ],
                "properties": {
                  "mode": {"type": "string", "enum": ["all-or-nothing", "skip-invalid"]},
                  "firstSequence": {
                    "description": "The journal sequence of the first spend recorded; null when none was.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "lastSequence": {
                    "description": "The journal sequence of the last spend recorded; null when none was.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "rows": {
                    "description": "Data rows read.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "recorded": {
                    "description": "Rows recorded as new spend.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "duplicates": {
                    "description": "Rows skipped: the partner had recorded the reference before.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "invalid": {
                    "description": "Invalid rows, all of them.",
                    "type": "integer",
                    "format": "int64",
                    "minimum": 0
                  },
                  "committed": {
                    "description": "Whether the import's spend was recorded.",
                    "type": "boolean"
                  },
                  "errors": {
                    "description": "Invalid rows in file order; at most 1000 are listed.",
                    "type": "array",
                    "maxItems": 1000,
                    "items": {"$ref": "#/components/schemas/ImportRowError"}
                  }
                }
              },
              "MeasureValue": {
                "description": "A measured value in the measure's unit, such as 86.5 (%): an exact decimal with at most four decimal places, written as a JSON number, within ±100000000000. Never an amount of money.",
                "type": "number",
                "examples": [86.5]
              },
              "MeasureCode": {
                "description": "An outcome measure's code: 1 to 32 upper-case letters, digits and underscores, starting with a letter.",
                "type": "string",
                "minLength": 1,
                "maxLength": 32,
                "pattern": "^[A-Z][A-Z0-9_]{0,31}$",
                "examples": ["CARE_PLANS"]
              },
              "OutcomePeriod": {
                "description": "A period outcomes are measured and paid by: a financial year `FY2025`, a quarter of one `FY2025-Q1`, or a month `2025-10`.",
                "type": "string",
                "pattern": "^(FY[0-9]{4}(-Q[1-4])?|[0-9]{4}-(0[1-9]|1[0-2]))$",
                "examples": ["FY2025-Q1"]
              },
              "OutcomeFrequency": {
                "description": "How often a year's outcomes are measured and paid: once for the `year`, by `quarter` or by `month`; the year's pool is divided equally among its periods.",
                "type": "string",
                "enum": ["year", "quarter", "month"]
              },
              "MeasureDirection": {
                "description": "Which way a measure improves.",
                "type": "string",
                "enum": ["higher", "lower"]
              },
              "PaymentRule": {
                "description": "How a measure's result becomes its attainment (basis points of its weighted part of the pool). Discriminated by `type`.",
                "oneOf": [
                  {
                    "description": "All at the target, else nothing.",
                    "type": "object",
                    "required": ["type"],
                    "properties": {"type": {"type": "string", "enum": ["threshold"]}},
                    "additionalProperties": false
                  },
                  {
                    "description": "Nothing at `floor` (which must be worse than the target), all at the target, pro rata between, rounded down; beyond the target it goes on rising up to `cap`, when there is one, and stops at the target otherwise.",
                    "type": "object",
                    "required": ["type", "floor"],
                    "properties": {
                      "type": {"type": "string", "enum": ["linear"]},
                      "floor": {"$ref": "#/components/schemas/MeasureValue"},
                      "cap": {
                        "description": "Better than the target; null or left out: attainment stops at 10000 at the target.",
                        "oneOf": [{"$ref": "#/components/schemas/MeasureValue"}, {"type": "null"}],
                        "default": null
                      }
                    },
                    "additionalProperties": false
                  },
                  {
                    "description": "Stepped: the factor of the best band reached; nothing before the first. Bands from worst to best.",
                    "type": "object",
                    "required": ["type", "bands"],
                    "properties": {
                      "type": {"type": "string", "enum": ["bands"]},
                      "bands": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/PaymentBand"}}
                    },
                    "additionalProperties": false
                  }
                ]
              },
              "PaymentBand": {
                "description": "From this value on, the measure earns `factor` basis points of its weighted part of the pool.",
                "type": "object",
                "required": ["from", "factor"],
                "properties": {
                  "from": {"$ref": "#/components/schemas/MeasureValue"},
                  "factor": {"type": "integer", "minimum": 0, "maximum": 10000}
                },
                "additionalProperties": false
              },
              "OutcomeMeasure": {
                "description": "An outcome the alliance is paid on: its target for each period, its weight in basis points of the pool, and the rule that turns a result into a payment.",
                "type": "object",
                "required": ["code", "name", "unit", "direction", "target", "weight", "rule"],
                "properties": {
                  "code": {"$ref": "#/components/schemas/MeasureCode"},
                  "name": {"type": "string", "minLength": 1, "maxLength": 200},
                  "unit": {"description": "What a value counts, such as `%` or `bed-days`.", "type": "string", "minLength": 1, "maxLength": 40},
                  "direction": {"$ref": "#/components/schemas/MeasureDirection"},
                  "baseline": {
                    "description": "Where the measure started, for reading; it plays no part in the payment. Null or left out: none.",
                    "oneOf": [{"$ref": "#/components/schemas/MeasureValue"}, {"type": "null"}],
                    "default": null
                  },
                  "target": {"$ref": "#/components/schemas/MeasureValue", "description": "The target for each period."},
                  "weight": {
                    "description": "Basis points of the pool; a year's weights sum to 10000.",
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 10000
                  },
                  "rule": {"$ref": "#/components/schemas/PaymentRule"}
                },
                "additionalProperties": false
              },
              "OutcomeShare": {
                "description": "A partner's share of what the outcomes earn, in basis points; a year's shares sum to 10000.",
                "type": "object",
                "required": ["partner", "share"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "share": {"type": "integer", "minimum": 0, "maximum": 10000}
                },
                "additionalProperties": false
              },
              "OutcomeTerms": {
                "description": "A financial year's outcome terms: the pool at stake, how often it is paid, the measures and the partners' shares.",
                "type": "object",
                "required": ["year", "frequency", "pool", "measures", "shares"],
                "properties": {
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "frequency": {"$ref": "#/components/schemas/OutcomeFrequency"},
                  "pool": {
                    "$ref": "#/components/schemas/Amount",
                    "minimum": 0,
                    "description": "The year's pool, divided equally among its payment periods (largest remainder)."
                  },
                  "measures": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 50,
                    "items": {"$ref": "#/components/schemas/OutcomeMeasure"}
                  },
                  "shares": {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeShare"}}
                }
              },
              "OutcomeTermsInForce": {
                "description": "The outcome terms in force for a year, and the carried decision that set them.",
                "type": "object",
                "required": ["decision", "terms"],
                "properties": {
                  "decision": {"$ref": "#/components/schemas/DecisionNumber"},
                  "terms": {"$ref": "#/components/schemas/OutcomeTerms"}
                }
              },
              "OutcomeMeasurementRequest": {
                "type": "object",
                "required": ["measure", "period", "value", "evidence"],
                "properties": {
                  "measure": {
                    "$ref": "#/components/schemas/MeasureCode",
                    "description": "A measure of the outcome terms in force for the period's year."
                  },
                  "period": {
                    "$ref": "#/components/schemas/OutcomePeriod",
                    "description": "One of the periods the year's terms pay by: with quarterly terms `FY2025-Q1`, not `FY2025`."
                  },
                  "value": {"$ref": "#/components/schemas/MeasureValue"},
                  "evidence": {
                    "description": "Where the figure comes from: a report, a query, a link.",
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 2000
                  }
                },
                "additionalProperties": false
              },
              "OutcomeMeasurement": {
                "description": "A recorded measurement. Never changed: a correction is a later measurement of the same measure and period, and the latest is the one that counts.",
                "type": "object",
                "required": ["id", "measure", "period", "value", "evidence", "recordedBy", "recordedAt", "current"],
                "properties": {
                  "id": {"type": "integer", "format": "int64", "minimum": 1},
                  "measure": {"$ref": "#/components/schemas/MeasureCode"},
                  "period": {"$ref": "#/components/schemas/OutcomePeriod"},
                  "value": {"$ref": "#/components/schemas/MeasureValue"},
                  "evidence": {"type": "string"},
                  "recordedBy": {
                    "description": "The e-mail address of the finance person who recorded it.",
                    "type": "string",
                    "format": "email"
                  },
                  "recordedAt": {"$ref": "#/components/schemas/Instant"},
                  "current": {
                    "description": "Whether it is the latest of its measure and period, the one that counts. An answer to a retried request repeats the first answer, as it was then.",
                    "type": "boolean"
                  }
                }
              },
              "OutcomeMeasurementList": {
                "description": "A period's measurements, whole: the shape of every list, in one page.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeMeasurement"}},
                  "nextCursor": {"description": "Null: the period comes in one page.", "type": ["string", "null"]}
                }
              },
              "SettlementPosting": {
                "description": "Where a posted outcome payment or risk/reward settlement is in the books.",
                "type": "object",
                "required": ["decision", "entry", "postedAt"],
                "properties": {
                  "decision": {
                    "$ref": "#/components/schemas/DecisionNumber",
                    "description": "The carried decision that posted it."
                  },
                  "entry": {
                    "description": "The sequence of its journal entry; null when nothing moved.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "postedAt": {"$ref": "#/components/schemas/Instant"}
                }
              },
              "MeasureResult": {
                "description": "A measure's result for the period and what it earned.",
                "type": "object",
                "required": ["code", "name", "unit", "direction", "weight", "target", "actual", "attainment", "earned"],
                "properties": {
                  "code": {"$ref": "#/components/schemas/MeasureCode"},
                  "name": {"type": "string"},
                  "unit": {"type": "string"},
                  "direction": {"$ref": "#/components/schemas/MeasureDirection"},
                  "weight": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "target": {"$ref": "#/components/schemas/MeasureValue"},
                  "actual": {
                    "description": "The latest measurement's value; null while the measure is not measured.",
                    "oneOf": [{"$ref": "#/components/schemas/MeasureValue"}, {"type": "null"}]
                  },
                  "attainment": {
                    "description": "Basis points, rounded down; 0 while not measured. Above 10000 only for a linear rule with a cap.",
                    "type": "integer",
                    "minimum": 0
                  },
                  "earned": {
                    "$ref": "#/components/schemas/Amount",
                    "minimum": 0,
                    "description": "The period's pool × weight × attainment, rounded down to the minor unit."
                  }
                }
              },
              "OutcomeAllocation": {
                "description": "A partner's part of a period's outcome payment.",
                "type": "object",
                "required": ["partner", "share", "amount"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "share": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "amount": {"$ref": "#/components/schemas/Amount", "minimum": 0}
                }
              },
              "OutcomePayment": {
                "description": "A period's outcome payment: what each measure earned, and each partner's part of the total by its share (largest remainder, so the parts add up to `earned`).",
                "type": "object",
                "required": [
                  "period", "year", "termsDecision", "pool", "earned", "unearned", "measured", "measures", "allocations",
                  "posted"
                ],
                "properties": {
                  "period": {"$ref": "#/components/schemas/OutcomePeriod"},
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "termsDecision": {
                    "$ref": "#/components/schemas/DecisionNumber",
                    "description": "The decision whose outcome terms apply."
                  },
                  "pool": {"$ref": "#/components/schemas/Amount", "minimum": 0, "description": "The period's part of the year's pool."},
                  "earned": {"$ref": "#/components/schemas/Amount", "minimum": 0},
                  "unearned": {
                    "$ref": "#/components/schemas/Amount",
                    "minimum": 0,
                    "description": "What the pool keeps: `pool` − `earned`."
                  },
                  "measured": {"description": "Whether every measure has a measurement for the period.", "type": "boolean"},
                  "measures": {"type": "array", "items": {"$ref": "#/components/schemas/MeasureResult"}},
                  "allocations": {"type": "array", "items": {"$ref": "#/components/schemas/OutcomeAllocation"}},
                  "posted": {
                    "description": "Where the payment is posted, once an `outcomePayments.approve` decision has carried; null until then.",
                    "oneOf": [{"$ref": "#/components/schemas/SettlementPosting"}, {"type": "null"}]
                  }
                }
              },
              "RiskShareBand": {
                "description": "A range of the difference between target and actual cost, and the partner side's share of the part of the difference inside it.",
                "type": "object",
                "required": ["share"],
                "properties": {
                  "upTo": {
                    "description": "Where the band ends, in basis points of the target cost (1000: a difference of up to 10% of target), rising from band to band; null or left out only in the last band, which runs on without end.",
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "default": null
                  },
                  "share": {"type": "integer", "minimum": 0, "maximum": 10000}
                },
                "additionalProperties": false
              },
              "RiskSharePartnerSide": {
                "description": "How much of a year's difference between target and actual cost falls to the partners as a group (the partner side), the rest staying with the owner side: a share by bands for a gain and for a pain, each optionally capped, and the partners' fee at risk. On a proposal every field may be left out.",
                "type": "object",
                "properties": {
                  "gainBands": {
                    "description": "Left out or null: the whole gain.",
                    "type": ["array", "null"],
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/RiskShareBand"},
                    "default": [{"upTo": null, "share": 10000}]
                  },
                  "painBands": {
                    "description": "Left out or null: the whole pain.",
                    "type": ["array", "null"],
                    "minItems": 1,
                    "items": {"$ref": "#/components/schemas/RiskShareBand"},
                    "default": [{"upTo": null, "share": 10000}]
                  },
                  "gainCap": {
                    "description": "The most the partner side gains in the year; null for no cap.",
                    "type": ["integer", "null"],
                    "format": "int64",
                    "minimum": 0,
                    "default": null
                  },
                  "painCap": {
                    "description": "The most the partner side bears in the year, commonly its fee; null for no cap.",
                    "type": ["integer", "null"],
                    "format": "int64",
                    "minimum": 0,
                    "default": null
                  },
                  "fee": {
                    "description": "The partners' fee (overhead and profit) for the year, shown beside the outturn; null for none.",
                    "type": ["integer", "null"],
                    "format": "int64",
                    "minimum": 0,
                    "default": null
                  }
                },
                "additionalProperties": false
              },
              "RiskShareTerms": {
                "description": "How a financial year's gain and pain are shared: the partner side's part of the difference, and how each side's part is divided among partners.",
                "type": "object",
                "required": ["year", "gain", "pain", "partnerSide"],
                "properties": {
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "gain": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShare"}},
                  "pain": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShare"}},
                  "partnerSide": {"$ref": "#/components/schemas/RiskSharePartnerSide"}
                }
              },
              "RiskShareAllocation": {
                "description": "A partner's part of the year's gain (positive) or pain (negative).",
                "type": "object",
                "required": ["partner", "share", "cap", "amount", "capped"],
                "properties": {
                  "partner": {"$ref": "#/components/schemas/PartnerSlug"},
                  "share": {"type": "integer", "minimum": 0, "maximum": 10000},
                  "cap": {"type": ["integer", "null"], "format": "int64", "minimum": 0},
                  "amount": {"$ref": "#/components/schemas/Amount"},
                  "capped": {
                    "description": "Whether its cap held it, the excess going to the partners of its side without one.",
                    "type": "boolean"
                  }
                }
              },
              "RiskShareStatement": {
                "description": "A year's gain/pain: target cost (the sum of its budgets) less actual cost (its net spend), the partner side's part by the terms, and each partner's part. Positive amounts are gains, negative ones pains.",
                "type": "object",
                "required": [
                  "year", "termsDecision", "terms", "target", "actual", "difference", "partnerSideBeforeCap", "partnerSide",
                  "ownerSide", "fee", "partnersReceive", "ownerPays", "allocations", "unallocated", "settled"
                ],
                "properties": {
                  "year": {"$ref": "#/components/schemas/FinancialYear"},
                  "termsDecision": {
                    "$ref": "#/components/schemas/DecisionNumber",
                    "description": "The decision whose risk/reward terms apply."
                  },
                  "terms": {"$ref": "#/components/schemas/RiskShareTerms"},
                  "target": {"$ref": "#/components/schemas/Amount", "description": "The sum of the year's budgets."},
                  "actual": {"$ref": "#/components/schemas/Amount", "description": "The year's net spend."},
                  "difference": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "`target` − `actual`: positive for an underspend (gain), negative for an overspend (pain)."
                  },
                  "partnerSideBeforeCap": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "The partner side's part by the bands, before its cap."
                  },
                  "partnerSide": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "The partner side's part: what the partners receive (positive) or bear (negative)."
                  },
                  "ownerSide": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "The rest of the difference: a gain the owner side keeps, or (negative) a pain it bears."
                  },
                  "fee": {"type": ["integer", "null"], "format": "int64", "minimum": 0},
                  "partnersReceive": {
                    "description": "The fee and the partner side's part: what the partners receive on top of the actual cost; null without a fee.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "ownerPays": {
                    "description": "The actual cost, the fee and the partner side's part; null without a fee.",
                    "type": ["integer", "null"],
                    "format": "int64"
                  },
                  "allocations": {"type": "array", "items": {"$ref": "#/components/schemas/RiskShareAllocation"}},
                  "unallocated": {
                    "$ref": "#/components/schemas/Amount",
                    "description": "The part of the partner side left with the owner side because every partner with a share reached its cap."
                  },
                  "settled": {
                    "description": "Where the settlement is posted, once a `riskShare.settle` decision has carried (the figures are then those it settled on); null until then.",
                    "oneOf": [{"$ref": "#/components/schemas/SettlementPosting"}, {"type": "null"}]
                  }
                }
              },
              "PartnerPage": {
                "description": "A page of a list of Partner.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Partner"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "BudgetLinePage": {
                "description": "A page of a list of BudgetLine.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/BudgetLine"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "PersonPage": {
                "description": "A page of a list of Person.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Person"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "SpendPage": {
                "description": "A page of a list of Spend.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Spend"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "JournalEntryPage": {
                "description": "A page of a list of JournalEntry.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/JournalEntry"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "DecisionPage": {
                "description": "A page of a list of Decision.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/Decision"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "BudgetChangePage": {
                "description": "A page of a list of BudgetChange.",
                "type": "object",
                "required": ["items", "nextCursor"],
                "properties": {
                  "items": {"type": "array", "items": {"$ref": "#/components/schemas/BudgetChange"}},
                  "nextCursor": {
                    "description": "Pass as `cursor` for the next page; null on the last.",
                    "type": ["string", "null"]
                  }
                }
              },
              "Status": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string"}}
              }
            }
          }
        }
        """#
}
