using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using OrleansMl.Gateway.Tests.Mcp;
using OrleansMl.Tests.Support;

namespace OrleansMl.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class RestApiTests(GatewayFactory factory)
{
    private static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", "churn.csv"));

    private readonly HttpClient _http = factory.CreateClient();

    [Fact]
    public async Task QuickStart_UploadTrainPredictPromoteRollback()
    {
        var model = Unique("churn");
        var dataset = Unique("churn-data");

        var upload = await _http.PostCsvAsync($"/api/datasets/{dataset}", ChurnCsv);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var version = await upload.ReadJsonAsync();
        Assert.Equal(1200, version["rows"]!.GetValue<int>());
        Assert.Equal("ignored", Column(version, "customer_id")["kind"]!.GetValue<string>());
        Assert.Equal("categorical", Column(version, "contract")["kind"]!.GetValue<string>());

        foreach (var algorithm in new[] { "linear", "lightgbm" })
        {
            var train = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm });
            Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);
            var queued = await train.ReadJsonAsync();
            Assert.Equal("queued", queued["status"]!.GetValue<string>());
            var done = await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>());
            Assert.Equal("succeeded", done["status"]!.GetValue<string>());
            Assert.True(done["metrics"]!["auc"]!.GetValue<double>() > 0.7);
        }

        var comparison = await (await _http.GetAsync($"/api/models/{model}/compare/1/2")).ReadJsonAsync();
        var auc = comparison["metrics"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "auc")!;
        Assert.Equal(auc["candidate"]!.GetValue<double>() > auc["baseline"]!.GetValue<double>() ? 2 : 1, auc["better"]!.GetValue<int>());
        Assert.Equal("auc", comparison["primaryMetric"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 1, reason = "baseline" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 2 })).StatusCode);
        var row = new { tenure_months = 2, monthly_charges = 95.5, contract = "month-to-month", internet = "fiber", support_calls = 5, paperless = "yes" };
        var predicted = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row } })).ReadJsonAsync();
        Assert.Equal(2, predicted["version"]!.GetValue<int>());
        Assert.Equal("yes", predicted["predictions"]![0]!["label"]!.GetValue<string>());

        var rollback = await _http.PostJsonAsync($"/api/models/{model}/aliases/production/rollback", new { reason = "drift" });
        Assert.Equal(1, (await rollback.ReadJsonAsync())["version"]!.GetValue<int>());
        var after = await (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row } })).ReadJsonAsync();
        Assert.Equal(1, after["version"]!.GetValue<int>());

        var described = await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync();
        Assert.Equal(1, described["aliases"]!["production"]!.GetValue<int>());
        Assert.Equal(3, described["aliasHistory"]!.AsArray().Count);
        var listed = await (await _http.GetAsync("/api/models")).ReadJsonAsync();
        Assert.Contains(listed["models"]!.AsArray(), m => m!["name"]!.GetValue<string>() == model);
    }

    [Fact]
    public async Task Upload_AsMultipartFile_CreatesAVersion_AndReuploadIsOk()
    {
        var dataset = Unique("multipart");
        using var form = new MultipartFormDataContent { { new StringContent("a,b\n1,x\n2,y\n3,x\n"), "file", "data.csv" } };

        var created = await _http.PostAsync($"/api/datasets/{dataset}", form);
        var again = await _http.PostCsvAsync($"/api/datasets/{dataset}", "a,b\n1,x\n2,y\n3,x\n");
        var details = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/1")).ReadJsonAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(3, details["sampleRows"]!.AsArray().Count);
        Assert.Equal(3, details["rows"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("a,b\n1,2\n3\n", HttpStatusCode.BadRequest, "line 3")]
    [InlineData("", HttpStatusCode.BadRequest, "empty")]
    public async Task Upload_OfBadCsv_AnswersProblemDetails(string csv, HttpStatusCode status, string expected)
    {
        var response = await _http.PostCsvAsync($"/api/datasets/{Unique("bad")}", csv);

        await AssertProblemAsync(response, status, expected);
    }

    [Fact]
    public async Task Upload_OfCsvThatWouldBeMisread_IsA400NamingTheProblem_AndCreatesNothing()
    {
        var (unclosed, stray, latin1, twoFiles) = (Unique("unclosed"), Unique("stray"), Unique("latin1"), Unique("two-files"));
        var rows = string.Concat(Enumerable.Range(4, 997).Select(i => $"{i},v{i}\n"));
        using var latin1Form = new MultipartFormDataContent { { new ByteArrayContent(Encoding.Latin1.GetBytes("caf\u00e9,b\nx,1\ny,2\n")), "file", "latin1.csv" } };
        using var twoFilesForm = new MultipartFormDataContent
        {
            { new StringContent("a,b\n1,x\n2,y\n"), "file", "a.csv" },
            { new StringContent("a,b\n3,z\n4,w\n"), "file", "b.csv" },
        };

        var unclosedAnswer = await _http.PostCsvAsync($"/api/datasets/{unclosed}", "x,name\n1,a\n2,b\n3,\"oops\n" + rows);
        var strayAnswer = await _http.PostCsvAsync($"/api/datasets/{stray}", "x,name\n1,ab\"c\n2,d\n");
        var latin1Answer = await _http.PostAsync($"/api/datasets/{latin1}", latin1Form);
        var twoFilesAnswer = await _http.PostAsync($"/api/datasets/{twoFiles}", twoFilesForm);

        await AssertProblemAsync(unclosedAnswer, HttpStatusCode.BadRequest, "The quote opened on line 4 (column 'name') is never closed");
        await AssertProblemAsync(strayAnswer, HttpStatusCode.BadRequest, "Line 2, column 'name' has a quote (\") inside a value that does not start with one");
        await AssertProblemAsync(latin1Answer, HttpStatusCode.BadRequest, "Line 1 is not valid UTF-8: byte 0xE9 at offset 3");
        await AssertProblemAsync(twoFilesAnswer, HttpStatusCode.BadRequest, "The multipart form has 2 fields named 'file'");
        foreach (var dataset in new[] { unclosed, stray, latin1, twoFiles })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/datasets/{dataset}")).StatusCode);
        }
    }

    [Theory]
    [InlineData("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\n1,2\n")]
    [InlineData("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n")]
    [InlineData("--YY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\n1,2\n--YY--\r\n")]
    [InlineData("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\n1,2\n\r\n--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi")]
    public async Task Upload_OfAMultipartBodyWithoutItsClosingBoundary_IsA400NamingIt_AndStoresNothing(string body)
    {
        var dataset = Unique("cut-form");
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XX");

        var response = await _http.PostAsync($"/api/datasets/{dataset}", content);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "The multipart body ends before its closing boundary line '--XX--'");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/datasets/{dataset}")).StatusCode);
    }

    [Fact]
    public async Task Upload_OverTheLimit_Answers413()
    {
        var csv = "a,b\n" + string.Concat(Enumerable.Repeat("1234567890,1234567890\n", 80_000));

        var response = await _http.PostCsvAsync($"/api/datasets/{Unique("big")}", csv);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "limit");
    }

    [Fact]
    public async Task Errors_AreProblemDetailsNamingTheProblem()
    {
        var dataset = Unique("errs");
        await _http.PostCsvAsync($"/api/datasets/{dataset}", "x1,x2,label\n1,2,a\n2,3,b\n3,4,a\n4,5,b\n");

        await AssertProblemAsync(await _http.GetAsync("/api/models/nobody-knows"), HttpStatusCode.NotFound, "nobody-knows");
        await AssertProblemAsync(await _http.GetAsync("/api/datasets/bad%20name"), HttpStatusCode.BadRequest, "Invalid dataset name");
        await AssertProblemAsync(
            await _http.PostJsonAsync($"/api/models/{Unique("m")}/train", new { dataset, label = "label", algorithm = "xgboost" }),
            HttpStatusCode.BadRequest, "fasttree, lightgbm");
        await AssertProblemAsync(
            await _http.PostJsonAsync($"/api/models/{Unique("m")}/train", new { dataset, label = "nope" }),
            HttpStatusCode.BadRequest, "no column 'nope'");
        await AssertProblemAsync(
            await _http.PostAsync($"/api/models/{Unique("m")}/train", new StringContent("{not json", MediaTypeHeaderValue.Parse("application/json"))),
            HttpStatusCode.BadRequest, "JSON");
        await AssertProblemAsync(
            await _http.PostJsonAsync($"/api/models/{Unique("m")}/aliases/production/rollback", new { }),
            HttpStatusCode.NotFound, "does not exist");
    }

    [Fact]
    public async Task ANameWithALetterBeyondAscii_IsRefused_SayingNamesAreAsciiLetters()
    {
        var response = await _http.PostCsvAsync("/api/datasets/mod%C3%A8le", "a,b\n1,2\n");

        await AssertProblemAsync(response, HttpStatusCode.BadRequest,
            "Invalid dataset name 'modèle': use 1-64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit.");
    }

    [Fact]
    public async Task Train_WithAColumnInferenceIgnored_NamedInFeatures_UsesIt_AndSaysSoInTheVersion_OverRestAndMcp()
    {
        var (model, dataset) = (Unique("named-id"), Unique("named-id-data"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", ChurnCsv)).StatusCode);
        var features = new[] { "customer_id", "tenure_months", "monthly_charges", "contract" };

        var train = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm = "linear", features });
        var unnamed = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm = "linear" });

        Assert.Equal(HttpStatusCode.Accepted, train.StatusCode);
        var warning = Assert.Single((await train.ReadJsonAsync())["spec"]!["warnings"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith(
            "Feature 'customer_id' is used as a category (hashed into 16384 slots), as features names it, although schema inference marked it ignored: "
            + "it has 1200 distinct values in 1200 cells, too many for a category", warning, StringComparison.Ordinal);
        var done = await _http.WaitForVersionAsync(model, 1);
        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal(warning, done["spec"]!["warnings"]![0]!.GetValue<string>());
        var input = done["signature"]!["inputs"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "customer_id")!;
        Assert.Equal("categorical", input["kind"]!.GetValue<string>());
        var row = new { customer_id = "C09999", tenure_months = 2, monthly_charges = 95.5, contract = "month-to-month" };
        Assert.Equal(HttpStatusCode.OK, (await _http.PostJsonAsync($"/api/models/{model}/predict", new { rows = new[] { row }, version = 1 })).StatusCode);

        // Without features the column stays ignored, and there is nothing to warn about.
        Assert.Equal(HttpStatusCode.Accepted, unnamed.StatusCode);
        var second = await _http.WaitForVersionAsync(model, 2);
        Assert.Null(second["spec"]!["warnings"]);
        Assert.Equal("ignored", second["signature"]!["inputs"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == "customer_id")!["kind"]!.GetValue<string>());

        await using var client = await factory.ConnectMcpAsync();
        var status = await client.CallToolAsync("get_training_status", McpTestClient.Arguments(new { model, version = 1 }));
        Assert.Contains($"Warning: {warning}", McpTestClient.Text(status), StringComparison.Ordinal);
        var viaMcp = await client.CallOkAsync("train_model", new { model, dataset, label = "churned", algorithm = "linear", features });
        Assert.Equal(warning, viaMcp["spec"]!["warnings"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Train_WithAColumnWithoutValuesNamedInFeatures_IsA400NamingIt_AndAllocatesNothing()
    {
        var (model, dataset) = (Unique("empty-feature"), Unique("empty-feature-data"));
        var csv = string.Join('\n', McpTestClient.BinaryCsv(200).TrimEnd('\n').Split('\n').Select((line, i) => i == 0 ? line + ",notes" : line + ","));
        var upload = await (await _http.PostCsvAsync($"/api/datasets/{dataset}", csv + "\n")).ReadJsonAsync();
        Assert.Equal("ignored", Column(upload, "notes")["kind"]!.GetValue<string>());

        string[] features = ["x1", "notes"];

        var refused = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "label", features });

        await AssertProblemAsync(refused, HttpStatusCode.BadRequest,
            $"The feature 'notes' has no values in dataset '{dataset}' version 1: every one of its cells is empty, so there is nothing to learn from it. Remove it from features.");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/models/{model}")).StatusCode);
    }

    [Fact]
    public async Task SetAlias_WithoutAVersion_IsAValidationProblemNamingTheField()
    {
        var response = await _http.PutAsJsonAsync($"/api/models/{Unique("m")}/aliases/production", new { reason = "forgot the version" });

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "version is required");
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Invalid alias change", problem["title"]!.GetValue<string>());
        Assert.Contains("version is required", problem["errors"]!["version"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operations_EndpointsAnswer()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/health/ready")).StatusCode);
        var openApi = await _http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/models/{name}/train", openApi, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("/docs")).StatusCode);
        var metrics = await _http.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds_count{", metrics, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/health/live\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesBodiesWithExamples_AndErrorsAsProblemDetails()
    {
        var document = JsonNode.Parse(await _http.GetStringAsync("/openapi/v1.json"))!;

        var train = document["paths"]!["/api/models/{name}/train"]!["post"]!;
        Assert.Equal("churned", train["requestBody"]!["content"]!["application/json"]!["example"]!["label"]!.GetValue<string>());
        Assert.NotNull(train["responses"]!["400"]!["content"]!["application/problem+json"]);
        var upload = document["paths"]!["/api/datasets/{name}"]!["post"]!;
        Assert.StartsWith("x1,x2,color,label", upload["requestBody"]!["content"]!["text/csv"]!["example"]!.GetValue<string>(), StringComparison.Ordinal);
        var predict = document["paths"]!["/api/models/{name}/predict"]!["post"]!;
        Assert.NotNull(predict["requestBody"]!["content"]!["application/json"]!["example"]!["rows"]);
        Assert.NotNull(document["paths"]!["/api/models/{name}/compare/{baseline}/{candidate}"]);
        Assert.Contains("/mcp", document["info"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_ListsTheAnswersEveryOperationCanGive_InTheErrorShapeOfItsPath()
    {
        var paths = JsonNode.Parse(await _http.GetStringAsync("/openapi/v1.json"))!["paths"]!;

        var train = paths["/api/models/{name}/train"]!["post"]!["responses"]!;
        foreach (var status in new[] { "400", "401", "403", "404", "409", "413", "415", "429", "503" })
        {
            Assert.True(train[status]?["content"]?["application/problem+json"] is not null, $"train lists no {status}");
        }

        Assert.NotNull(paths["/api/models/{name}/rollout"]!["put"]!["responses"]!["409"]);
        var read = paths["/api/models/{name}"]!["get"]!["responses"]!;
        Assert.NotNull(read["401"]);
        Assert.Null(read["415"]); // no body, so no body to refuse

        var infer = paths["/v2/models/{name}/infer"]!["post"]!;
        Assert.NotNull(infer["requestBody"]!["content"]!["application/json"]!["schema"]);
        foreach (var status in new[] { "400", "401", "403", "404", "409", "413", "415", "429", "503" })
        {
            Assert.True(infer["responses"]![status]?["content"]?["application/json"] is not null, $"infer lists no {status}");
            Assert.Null(infer["responses"]![status]!["content"]!["application/problem+json"]);
        }

        Assert.NotNull(paths["/v2/models/{name}"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]);
        Assert.NotNull(paths["/v2/models/{name}/ready"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]);
        var live = paths["/v2/health/live"]!["get"]!["responses"]!;
        Assert.Null(live["401"]); // open, and not rate limited
        Assert.Null(live["429"]);
    }

    [Theory]
    [InlineData("/api/models/{name}/train")]
    [InlineData("/api/models/{name}/predict")]
    [InlineData("/api/models/{name}/aliases/{alias}/rollback")]
    public async Task OpenApi_MarksBodiesThatRefuseUnknownFields_AsClosed(string path)
    {
        var document = JsonNode.Parse(await _http.GetStringAsync("/openapi/v1.json"))!;

        var schema = document["paths"]![path]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        schema = schema["oneOf"]?.AsArray().Single(s => s!["$ref"] is not null) ?? schema; // an optional body: null or the type
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        }

        Assert.Equal(System.Text.Json.JsonValueKind.False, schema["additionalProperties"]?.GetValueKind());
        // Answers stay open: a later version may add fields to them.
        Assert.Null(document["components"]!["schemas"]!["AliasInfo"]!["additionalProperties"]);
        if (path.EndsWith("predict", StringComparison.Ordinal))
        {
            // The rows inside stay open: their keys are the model's column names.
            var rows = schema["properties"]!["rows"]!;
            Assert.NotEqual(System.Text.Json.JsonValueKind.False, rows["items"]?["additionalProperties"]?.GetValueKind());
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, JsonNode.Parse(body)!["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    private static JsonNode Column(JsonNode version, string name) =>
        version["columns"]!.AsArray().First(c => c!["name"]!.GetValue<string>() == name)!;

    [Fact]
    public async Task Evaluate_ScoresAVersionOnFreshData_OverRestAndMcp_AndNamesWhatIsWrong()
    {
        var (model, older, newer) = (Unique("eval"), Unique("eval-old"), Unique("eval-new"));
        await UploadChurnSplitAsync(older, newer);
        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = older, label = "churned", algorithm = "lightgbm" })).ReadJsonAsync();
        Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());

        var evaluated = await _http.PostJsonAsync($"/api/models/{model}/versions/1/evaluate", new { dataset = newer });
        var missing = await _http.PostJsonAsync($"/api/models/{model}/versions/1/evaluate", new { });
        var unknown = await _http.PostJsonAsync($"/api/models/{model}/versions/1/evaluate", new { dataset = Unique("none") });
        var noVersion = await _http.PostJsonAsync($"/api/models/{model}/versions/7/evaluate", new { dataset = newer });

        Assert.Equal(HttpStatusCode.OK, evaluated.StatusCode);
        var body = await evaluated.ReadJsonAsync();
        Assert.Equal((400, 400), (body["rows"]!.GetValue<int>(), body["evaluatedRows"]!.GetValue<int>()));
        Assert.InRange(body["metrics"]!["auc"]!.GetValue<double>(), 0.7, 1.0);
        Assert.NotNull(body["trainingMetrics"]!["auc"]);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("dataset is required", (await missing.ReadJsonAsync())["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);

        await using var client = await factory.ConnectMcpAsync();
        var viaMcp = await client.CallOkAsync("evaluate_model", new { model, version = 1, dataset = newer });
        Assert.Equal(body["metrics"]!["auc"]!.GetValue<double>(), viaMcp["metrics"]!["auc"]!.GetValue<double>());
    }

    [Fact]
    public async Task Train_WithATestFractionOfZero_FitsEveryRow_AndIsJudgedOnOtherData()
    {
        var (model, train, test) = (Unique("all-rows"), Unique("all-rows-train"), Unique("all-rows-test"));
        await UploadChurnSplitAsync(train, test);

        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = train, label = "churned", algorithm = "linear", testFraction = 0 })).ReadJsonAsync();
        var version = await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>());
        var evaluated = await (await _http.PostJsonAsync($"/api/models/{model}/versions/1/evaluate", new { dataset = test })).ReadJsonAsync();
        var negative = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset = train, label = "churned", testFraction = -0.1 });

        Assert.Equal("succeeded", version["status"]!.GetValue<string>());
        Assert.Equal(0, version["spec"]!["testFraction"]!.GetValue<double>());
        Assert.Empty(version["metrics"]!.AsObject());
        Assert.InRange(evaluated["metrics"]!["auc"]!.GetValue<double>(), 0.7, 1.0);
        Assert.Empty(evaluated["trainingMetrics"]!.AsObject());
        await AssertProblemAsync(negative, HttpStatusCode.BadRequest, "testFraction must be between 0 and 0.9");
        Assert.Single((await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray());

        // An assistant is told why the version has no metrics and what to do instead.
        await using var client = await factory.ConnectMcpAsync();
        var viaMcp = await client.CallToolAsync("train_model", new Dictionary<string, object?> { ["model"] = model, ["dataset"] = train, ["label"] = "churned", ["algorithm"] = "linear", ["testFraction"] = 0, ["wait"] = true });
        Assert.Contains("no held-out metrics: every row trained it (testFraction 0); check it with evaluate_model", McpTestClient.Text(viaMcp), StringComparison.Ordinal);
    }

    /// <summary>The sample's first 800 rows as one dataset, the other 400 as another (the header in both).</summary>
    private async Task UploadChurnSplitAsync(string first, string rest)
    {
        var lines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{first}", string.Join('\n', lines.Take(801)) + "\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{rest}", string.Join('\n', lines.Take(1).Concat(lines.Skip(801))) + "\n")).StatusCode);
    }

    [Fact]
    public async Task Train_WithAnL1Penalty_NamesIt_AndALinearRegressionRefusesItWithoutL2_OverRestAndMcp()
    {
        var (model, dataset) = (Unique("l1"), Unique("l1-data"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", ChurnCsv)).StatusCode);

        var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm = "linear", parameters = new { l1 = 0.5 } })).ReadJsonAsync();
        var version = await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>());
        var lasso = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "monthly_charges", algorithm = "linear", parameters = new { l1 = 0.5 } })).ReadJsonAsync();
        var regression = await _http.WaitForVersionAsync(model, lasso["version"]!.GetValue<int>());
        var refused = await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "monthly_charges", algorithm = "linear", parameters = new { l1 = 0.5, l2 = 0 } });

        Assert.Equal("succeeded", version["status"]!.GetValue<string>());
        Assert.Equal("linear(lbfgs-logistic,l1=0.5,l2=1,iterations=100)", version["algorithm"]!.GetValue<string>());
        Assert.Equal("succeeded", regression["status"]!.GetValue<string>());
        Assert.Equal("linear(least-squares,l1=0.5,l2=1,iterations=100)", regression["algorithm"]!.GetValue<string>());
        await AssertProblemAsync(refused, HttpStatusCode.BadRequest, "Parameter 'l1' above 0 needs 'l2' of at least 0.000001 for a linear regression");
        Assert.Equal(2, (await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray().Count);

        await using var client = await factory.ConnectMcpAsync();
        var viaMcp = await client.CallToolAsync("train_model", new Dictionary<string, object?>
        {
            ["model"] = model, ["dataset"] = dataset, ["label"] = "monthly_charges", ["algorithm"] = "linear",
            ["parameters"] = new Dictionary<string, double> { ["l1"] = 0.5, ["l2"] = 0 },
        });
        Assert.True(viaMcp.IsError is true);
        Assert.Contains("Parameter 'l1' above 0 needs 'l2' of at least 0.000001 for a linear regression", McpTestClient.Text(viaMcp), StringComparison.Ordinal);
        Assert.Equal(2, (await (await _http.GetAsync($"/api/models/{model}")).ReadJsonAsync())["versions"]!.AsArray().Count);
    }

    [Fact]
    public async Task Train_Auto_ShowsHowItChose_EveryCandidateWithItsFoldScores_OverRestAndMcp()
    {
        var (model, dataset) = (Unique("auto-choice"), Unique("auto-choice-data"));
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", ChurnCsv)).StatusCode);

        var auto = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned" })).ReadJsonAsync();
        var version = await _http.WaitForVersionAsync(model, auto["version"]!.GetValue<int>());
        var named = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, label = "churned", algorithm = "linear" })).ReadJsonAsync();
        var linear = await _http.WaitForVersionAsync(model, named["version"]!.GetValue<int>());

        Assert.Equal("succeeded", version["status"]!.GetValue<string>());
        var search = version["search"]!;
        Assert.Matches(@"^\d-fold cross-validation on 960 training rows", search["method"]!.GetValue<string>());
        Assert.StartsWith("auc + 0.001 × accuracy", search["objective"]!.GetValue<string>(), StringComparison.Ordinal);
        var candidates = search["candidates"]!.AsArray();
        Assert.Equal(4, candidates.Count);
        Assert.All(candidates, c => Assert.Equal(c!["score"]!.GetValue<double>(), c["scores"]!.AsArray().Average(f => f!.GetValue<double>()), 1e-5));
        var chosen = Assert.Single(candidates, c => c!["chosen"]!.GetValue<bool>())!;
        Assert.Equal(version["algorithm"]!.GetValue<string>(), chosen["algorithm"]!.GetValue<string>());
        Assert.Null(linear["search"]);

        await using var client = await factory.ConnectMcpAsync();
        var status = await client.CallToolAsync("get_training_status", new Dictionary<string, object?> { ["model"] = model, ["version"] = version["version"]!.GetValue<int>() });
        Assert.Contains($"auto chose it by {search["method"]!.GetValue<string>()}", McpTestClient.Text(status), StringComparison.Ordinal);
        Assert.Contains($"{chosen["algorithm"]!.GetValue<string>()} ", McpTestClient.Text(status), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatasetVersionModels_ListsTheModelVersionsTrainedOnIt_AndNamesWhatIsMissing()
    {
        var (model, dataset) = (Unique("lineage"), Unique("lineage-data"));
        var lines = ChurnCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", string.Join('\n', lines.Take(401)) + "\n")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostCsvAsync($"/api/datasets/{dataset}", string.Join('\n', lines.Take(1).Concat(lines.Skip(401).Take(400))) + "\n")).StatusCode);
        foreach (var datasetVersion in new[] { 1, 2, 2 })
        {
            var queued = await (await _http.PostJsonAsync($"/api/models/{model}/train", new { dataset, datasetVersion, label = "churned", algorithm = "linear" })).ReadJsonAsync();
            Assert.Equal("succeeded", (await _http.WaitForVersionAsync(model, queued["version"]!.GetValue<int>()))["status"]!.GetValue<string>());
        }

        Assert.Equal(HttpStatusCode.OK, (await _http.PutAsJsonAsync($"/api/models/{model}/aliases/production", new { version = 3 })).StatusCode);

        var first = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/1/models")).ReadJsonAsync();
        var second = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models")).ReadJsonAsync();
        Assert.Equal([1], first["models"]!.AsArray().Select(m => m!["version"]!.GetValue<int>()));
        Assert.Equal([3, 2], second["models"]!.AsArray().Select(m => m!["version"]!.GetValue<int>()));
        Assert.All(second["models"]!.AsArray(), m => Assert.Equal(model, m!["model"]!.GetValue<string>()));
        Assert.Equal("production", second["models"]![0]!["aliases"]![0]!.GetValue<string>());
        Assert.Equal("succeeded", second["models"]![0]!["status"]!.GetValue<string>());
        Assert.NotNull(second["models"]![0]!["metrics"]!["auc"]);
        Assert.Equal(2, second["total"]!.GetValue<int>());

        // limit keeps the newest that many and still counts them all; out of range is refused with the bounds.
        var newest = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models?limit=1")).ReadJsonAsync();
        Assert.Equal([3], newest["models"]!.AsArray().Select(m => m!["version"]!.GetValue<int>()));
        Assert.Equal(2, newest["total"]!.GetValue<int>());
        var all = await (await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models?limit=1000")).ReadJsonAsync();
        Assert.Equal([3, 2], all["models"]!.AsArray().Select(m => m!["version"]!.GetValue<int>()));
        await AssertProblemAsync(await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models?limit=0"), HttpStatusCode.BadRequest, "between 1 and 1000");
        await AssertProblemAsync(await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models?limit=1001"), HttpStatusCode.BadRequest, "between 1 and 1000");
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync($"/api/datasets/{dataset}/versions/2/models?limit=many")).StatusCode);

        await AssertProblemAsync(await _http.GetAsync($"/api/datasets/{dataset}/versions/9/models"), HttpStatusCode.NotFound, "9");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"/api/datasets/{Unique("none")}/versions/1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _http.GetAsync("/api/datasets/bad%20name!/versions/1/models")).StatusCode);
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    internal static string RepositoryRoot() => GatewayProcess.RepositoryRoot();
}
