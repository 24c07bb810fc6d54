namespace OrleansMl.Gateway.Tests.Mcp;

[Collection(GatewayCollection.Name)]
public sealed class McpArgumentErrorTests(GatewayFactory factory)
{
    [Fact]
    public async Task MissingRequiredArgument_IsInvalidParams_NamingTheArgument()
    {
        await using var client = await factory.ConnectMcpAsync();

        var message = await client.CallInvalidParamsAsync("train_model", new { model = "m", dataset = "d" });

        Assert.Contains("Missing required argument 'label'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAlgorithmOrTask_IsInvalidParams_ListingTheAllowedValues()
    {
        await using var client = await factory.ConnectMcpAsync();

        var algorithm = await client.CallInvalidParamsAsync("train_model", new { model = "m", dataset = "d", label = "y", algorithm = "xgboost" });
        var task = await client.CallInvalidParamsAsync("train_model", new { model = "m", dataset = "d", label = "y", task = "clustering" });

        Assert.Contains("auto, fasttree, lightgbm, fastforest, linear, lda, kernelridge", algorithm, StringComparison.Ordinal);
        Assert.Contains("auto, binary, multiclass, regression", task, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongJsonType_IsInvalidParams_SayingWhatWasExpected()
    {
        await using var client = await factory.ConnectMcpAsync();

        var message = await client.CallInvalidParamsAsync("get_training_status", new { model = "m", version = "three" });

        Assert.Contains("'version' must be an integer (got a string)", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IntegerBeyondThirtyTwoBits_IsInvalidParams_NamingTheArgumentAndItsRange()
    {
        await using var client = await factory.ConnectMcpAsync();

        var limit = await client.CallInvalidParamsAsync("list_models", new { limit = 1_000_000_000_000L });
        var seed = await client.CallInvalidParamsAsync("train_model", new { model = "m", dataset = "d", label = "y", seed = -99_999_999_999L });

        Assert.Contains("'limit' is 1000000000000; it must be from -2147483648 to 2147483647", limit, StringComparison.Ordinal);
        Assert.Contains("'seed' is -99999999999", seed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolList_DeclaresTheRangeOfThirtyTwoBitArguments_NotOfWiderOnes()
    {
        await using var client = await factory.ConnectMcpAsync();

        var tools = await client.ListToolsAsync();
        System.Text.Json.JsonElement Argument(string tool, string name) =>
            tools.Single(t => t.Name == tool).JsonSchema.GetProperty("properties").GetProperty(name);

        Assert.Equal(int.MinValue, Argument("list_models", "limit").GetProperty("minimum").GetInt64());
        Assert.Equal(int.MaxValue, Argument("predict", "version").GetProperty("maximum").GetInt64());
        Assert.False(Argument("start_rollout", "stepAfterSamples").TryGetProperty("maximum", out _), "stepAfterSamples is a 64-bit count.");
    }

    [Fact]
    public async Task UnknownArgument_IsInvalidParams_ListingTheToolsArguments()
    {
        await using var client = await factory.ConnectMcpAsync();

        var message = await client.CallInvalidParamsAsync("describe_model", new { model = "m", modelName = "m" });

        Assert.Contains("Unknown argument 'modelName'", message, StringComparison.Ordinal);
        Assert.Contains("model", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("describe_model", "{\"model\":\"a/b\"}", "Invalid model name")]
    [InlineData("get_training_status", "{\"model\":\"m\",\"version\":0}", "version must be a version number")]
    [InlineData("compare_versions", "{\"model\":\"m\",\"baseline\":1,\"candidate\":-2}", "candidate must be a version number")]
    [InlineData("predict", "{\"model\":\"m\",\"rows\":[]}", "at least one row")]
    [InlineData("promote_model", "{\"model\":\"m\",\"version\":1,\"alias\":\"../prod\"}", "Invalid alias name")]
    [InlineData("send_feedback", "{\"model\":\"m\",\"items\":[{\"predictionId\":\"p\",\"actual\":\"yes\",\"weight\":2}]}", "Unknown field 'weight' in items[0]; its fields are: predictionId, actual.")]
    [InlineData("send_feedback", "{\"model\":\"m\",\"items\":[{\"predictionId\":\"p\",\"actual\":\"yes\",\"actual\":\"no\"}]}", "items[0] names 'actual' twice")]
    [InlineData("add_feature_events", "{\"set\":\"s\",\"events\":[{\"key\":\"k\",\"values\":{\"amount\":1,\"amount\":2}}]}", "events[0].values names 'amount' twice")]
    [InlineData("train_model", "{\"model\":\"m\",\"dataset\":\"d\",\"label\":\"y\",\"parameters\":{\"trees\":\"many\"}}", "parameters.trees must be a number (got a string).")]
    [InlineData("train_model", "{\"model\":\"m\",\"dataset\":\"d\",\"label\":\"y\",\"features\":[\"a\",5]}", "features[1] must be a string or null (got an integer).")]
    [InlineData("start_rollout", "{\"model\":\"m\",\"candidate\":2,\"steps\":[10,\"50\",100]}", "steps[1] must be an integer (got a string).")]
    [InlineData("start_rollout", "{\"model\":\"m\",\"candidate\":2,\"steps\":[]}", "steps is empty")]
    [InlineData("define_feature_set", "{\"set\":\"s\",\"key\":\"k\",\"ttl\":\"01:00:00\",\"values\":[{\"name\":\"v\",\"kind\":\"bogus\"}]}", "values[0].kind must be one of: numeric, categorical, boolean.")]
    [InlineData("define_feature_set", "{\"set\":\"s\",\"key\":\"k\",\"ttl\":\"01:00:00\",\"aggregates\":[{\"name\":\"a\",\"op\":\"median\",\"column\":\"x\",\"window\":\"01:00:00\"}]}", "aggregates[0].op must be one of: count, sum, mean, min, max")]
    [InlineData("define_feature_set", "{\"set\":\"s\",\"key\":\"k\",\"ttl\":\"01:00:00\",\"aggregates\":[{\"name\":\"a\",\"op\":\"count\",\"column\":\"x\",\"window\":\"bogus\"}]}", "aggregates[0].window must be a time span such as \"01:00:00\".")]
    [InlineData("add_feature_events", "{\"set\":\"s\",\"events\":[{\"key\":\"k\",\"timestamp\":\"notatime\",\"values\":{\"amount\":1}}]}", "events[0].timestamp must be a date and time such as \"2026-01-01T00:00:00Z\".")]
    [InlineData("describe_dataset", "{\"name\":\"d\",\"sampleRows\":11}", "sampleRows must be from 0 to 10 (got 11); omit it for 5.")]
    [InlineData("set_schedule", "{\"model\":\"m\",\"every\":\"01:00:00\",\"dataset\":\"d\",\"label\":\"y\",\"guardMetric\":\"accuracy\"}", "guardMetric is only taken with then: rollout")]
    [InlineData("set_schedule", "{\"model\":\"m\",\"every\":\"01:00:00\",\"dataset\":\"d\",\"label\":\"y\",\"then\":\"none\",\"rolloutSteps\":[50,100],\"guardMax\":0.1}", "rolloutSteps, guardMax are only taken with then: rollout")]
    [InlineData("set_feature_values", "{\"set\":\"s\",\"key\":\"k\",\"values\":{\"x\":[1]}}", "values.x must be")]
    [InlineData("list_training_jobs", "{\"recent\":101}", "recent must be 0 to 100; it is 101.")]
    [InlineData("list_training_jobs", "{\"recent\":-1}", "recent must be 0 to 100; it is -1.")]
    [InlineData("list_models", "{\"limit\":0}", "limit must be between 1 and 1000 (got 0); omit it for 100.")]
    [InlineData("list_datasets", "{\"cursor\":\"not-a-cursor\"}", "cursor 'not-a-cursor' is not a cursor of this listing")]
    [InlineData("describe_model", "{\"model\":\"modèle\"}", "Invalid model name 'modèle': use 1-64 ASCII letters, digits")]
    public async Task MalformedValues_AreInvalidParams(string tool, string arguments, string expected)
    {
        await using var client = await factory.ConnectMcpAsync();
        var parsed = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, System.Text.Json.JsonElement>>(arguments)!
            .ToDictionary(p => p.Key, p => (object?)p.Value);

        var message = await client.CallInvalidParamsAsync(tool, parsed);

        Assert.Contains(expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownTool_IsInvalidParams()
    {
        await using var client = await factory.ConnectMcpAsync();

        var message = await client.CallInvalidParamsAsync("delete_everything");

        Assert.Contains("delete_everything", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DomainErrors_AreToolErrors_ThatSayHowToFixThem()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("errs");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv(40) });

        var model = await client.CallToolErrorAsync("describe_model", new { model = "nobody-trained-this" });
        var label = await client.CallToolErrorAsync("train_model", new { model = McpTestClient.Unique("m"), dataset, label = "nope" });
        var noDataset = await client.CallToolErrorAsync("train_model", new { model = McpTestClient.Unique("m"), dataset = "no-such-data", label = "y" });
        var predict = await client.CallToolErrorAsync("predict", new { model = "nobody-trained-this", rows = new[] { new { x1 = 1 } } });
        var rollback = await client.CallToolErrorAsync("rollback_model", new { model = "nobody-trained-this" });

        Assert.Contains("list_models", model, StringComparison.Ordinal);
        Assert.Contains("no column 'nope'", label, StringComparison.Ordinal);
        Assert.Contains("describe_dataset", label, StringComparison.Ordinal);
        Assert.Contains("'no-such-data' does not exist", noDataset, StringComparison.Ordinal);
        Assert.Contains("does not exist", predict, StringComparison.Ordinal);
        Assert.Contains("does not exist", rollback, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tools/call", "{\"name\":\"list_models\",\"arguments\":\"x\"}", "params.arguments of tools/call must be an object (argument names to values); it is a string.")]
    [InlineData("tools/call", "{\"name\":\"list_models\",\"arguments\":[1]}", "params.arguments of tools/call must be an object (argument names to values); it is an array.")]
    [InlineData("tools/call", "{\"name\":5,\"arguments\":{}}", "params.name of tools/call must be a string (the tool's name); it is a number.")]
    [InlineData("tools/call", "{\"arguments\":{}}", "tools/call needs params.name: a string, the tool's name.")]
    [InlineData("tools/call", "\"x\"", "The params of tools/call must be an object; they are a string.")]
    [InlineData("tools/call", "{\"name\":\"list_models\",\"_meta\":[]}", "params._meta of tools/call must be an object; it is an array.")]
    [InlineData("tools/list", "{\"cursor\":5}", "params.cursor of tools/list must be a string (the nextCursor of the page before); it is a number.")]
    [InlineData("resources/read", "{\"uri\":5}", "params.uri of resources/read must be a string (the resource's URI); it is a number.")]
    [InlineData("resources/read", "null", "resources/read needs params.uri: a string, the resource's URI.")]
    [InlineData("prompts/get", "{\"name\":\"train_and_deploy\",\"arguments\":\"x\"}", "params.arguments of prompts/get must be an object (argument names to strings); it is a string.")]
    [InlineData("completion/complete", "{\"ref\":\"x\",\"argument\":{}}", "params.ref of completion/complete must be an object (the prompt or resource template to complete for); it is a string.")]
    [InlineData("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"train_and_deploy\"},\"argument\":{\"name\":5,\"value\":\"a\"}}", "params.argument.name of completion/complete must be a string (the argument's name); it is a number.")]
    [InlineData("logging/setLevel", "{\"level\":5}", "params.level of logging/setLevel must be a string (the least severe level to send); it is a number.")]
    [InlineData("logging/setLevel", "{\"level\":\"loud\"}", "params.level of logging/setLevel must be one of debug, info, notice, warning, error, critical, alert, emergency; it is 'loud'.")]
    [InlineData("ping", "\"x\"", "The params of ping must be an object; they are a string.")]
    [InlineData("tools/call", "{\"name\":\"describe_model\",\"arguments\":{\"model\":\"a\",\"model\":\"b\"}}", "params.arguments of tools/call names 'model' twice; send each name once.")]
    [InlineData("tools/call", "{\"name\":\"predict\",\"arguments\":{\"model\":\"a\",\"rows\":[{\"x\":1}],\"model\":\"b\"}}", "params.arguments of tools/call names 'model' twice; send each name once.")]
    [InlineData("tools/call", "{\"name\":\"describe_model\",\"name\":\"delete_model\",\"arguments\":{\"model\":\"a\"}}", "params of tools/call names 'name' twice; send each name once.")]
    [InlineData("tools/call", "{\"name\":\"list_models\",\"_meta\":{\"progressToken\":1,\"progressToken\":2}}", "params._meta of tools/call names 'progressToken' twice; send each name once.")]
    [InlineData("prompts/get", "{\"name\":\"train_and_deploy\",\"arguments\":{\"dataset\":\"a\",\"dataset\":\"b\"}}", "params.arguments of prompts/get names 'dataset' twice; send each name once.")]
    public async Task ParamsOfTheWrongShape_AreInvalidParams_NamingTheMember(string method, string parameters, string expected)
    {
        using var http = factory.CreateClient();
        using var request = McpTestClient.McpPost($"{{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"{method}\",\"params\":{parameters}}}", "2025-11-25");

        using var response = await http.SendAsync(request);
        var error = McpTestClient.EventMessage(await response.Content.ReadAsStringAsync())["error"]!;

        Assert.Equal(-32602, error["code"]!.GetValue<int>());
        Assert.Equal(expected, error["message"]!.GetValue<string>());
    }

    /// <summary>
    /// A message that names one of its own members twice is refused before anything runs: the SDK would read the last
    /// value, so the ping below would have listed the tools. Checked with and without the headers of a plain call (which
    /// a predict call answered without the SDK has), and on a body too large for that path.
    /// </summary>
    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"method\":\"tools/list\"}", "2025-11-25", "method")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"id\":2,\"method\":\"ping\"}", null, "id")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"predict\",\"arguments\":{\"model\":\"m\",\"rows\":[{\"x\":1}]}},\"params\":{\"name\":\"list_models\"}}", "2025-11-25", "params")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"create_dataset\",\"arguments\":{\"name\":\"d\",\"csv\":\"PAD\"}},\"method\":\"ping\"}", "2025-11-25", "method")]
    public async Task AMessageThatNamesAMemberTwice_IsAnInvalidRequest_NamingIt(string body, string? protocolVersion, string member)
    {
        using var http = factory.CreateClient();
        using var request = McpTestClient.McpPost(body.Replace("PAD", "a,b\\n" + new string('1', 1_100_000), StringComparison.Ordinal), protocolVersion);

        using var response = await http.SendAsync(request);
        var answer = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32600, answer["error"]!["code"]!.GetValue<int>());
        Assert.Equal($"The JSON-RPC message names '{member}' twice; send each name once.", answer["error"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{}", "The JSON object is missing required properties: 'protocolVersion', 'capabilities', 'clientInfo'.")]
    [InlineData("{\"protocolVersion\":5,\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}", "The JSON value at $.protocolVersion is not of the type it must be.")]
    public async Task AnInitializeTheSdkCannotRead_Is400_NamingTheFieldsAndNoDotNetType(string parameters, string expected)
    {
        using var http = factory.CreateClient();
        using var request = McpTestClient.McpPost($"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{parameters}}}");

        using var response = await http.SendAsync(request);
        var detail = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]!.GetValue<string>();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(expected, detail);
    }
}
