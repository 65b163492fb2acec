"""The OpenAPI description is generated from the code, and its docs page needs no CDN."""


def test_the_openapi_schema_describes_check_with_every_error_status(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    check = schema["paths"]["/api/v1/check"]["post"]
    assert set(check["responses"]) == {"200", "400", "413", "415", "429", "500", "503"}
    body = check["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/CheckIn")
    assert set(schema["components"]["schemas"]["CheckIn"]["properties"]) == {"text", "texts", "explain"}
    assert "/api/v1/model" in schema["paths"]


def test_the_docs_page_loads_swagger_from_our_own_static_files(client, db):
    content = client.get("/api/v1/docs").content.decode()

    assert "/static/ninja/swagger-ui-bundle.js" in content
    assert "/static/ninja/swagger-ui.css" in content
    assert "cdn" not in content and "https://" not in content
