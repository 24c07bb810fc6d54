using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace OrleansMl.Gateway.Tests.Mcp;

[Collection(GatewayCollection.Name)]
public sealed class McpResourcePromptTests(GatewayFactory factory)
{
    [Fact]
    public async Task ResourceTemplates_CoverDatasetsModelsAndModelCards()
    {
        await using var client = await factory.ConnectMcpAsync();

        var templates = await client.ListResourceTemplatesAsync();

        Assert.Equal(
            ["dataset://{name}", "model://{name}", "model://{name}/versions/{version}"],
            templates.Select(t => t.UriTemplate).Order(StringComparer.Ordinal));
        Assert.All(templates, t => Assert.Equal("application/json", t.MimeType));
    }

    [Fact]
    public async Task Datasets_AreListedAsResources_AndReadAsSchemaWithSamples()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("res");
        await client.CallOkAsync("create_dataset", new { name, csv = McpTestClient.BinaryCsv(30) });

        var listed = await client.ListResourcesAsync();
        var read = await client.ReadResourceAsync($"dataset://{name}");

        Assert.Contains(listed, r => r.Uri == $"dataset://{name}" && r.MimeType == "application/json");
        var contents = Assert.IsType<TextResourceContents>(Assert.Single(read.Contents));
        var json = JsonNode.Parse(contents.Text)!;
        Assert.Equal(name, json["name"]!.GetValue<string>());
        Assert.Equal(30, json["version"]!["rows"]!.GetValue<int>());
        Assert.Equal(5, json["version"]!["sampleRows"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("dataset://nobody-has-this", McpErrorCode.ResourceNotFound, "does not exist")]
    [InlineData("model://nobody-has-this", McpErrorCode.ResourceNotFound, "does not exist")]
    [InlineData("model://nobody-has-this/versions/1", McpErrorCode.ResourceNotFound, "does not exist")]
    [InlineData("model://m/versions/first", McpErrorCode.InvalidParams, "version must be a version number: versions start at 1 (got 'first'). Use model://m/versions/1, 2, ...")]
    [InlineData("dataset://bad%20name", McpErrorCode.InvalidParams, "Invalid dataset name")]
    public async Task ReadingAMissingOrMalformedResource_IsAProtocolErrorNamingIt(string uri, McpErrorCode code, string expected)
    {
        await using var client = await factory.ConnectMcpAsync();

        var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(uri).AsTask());

        Assert.Equal(code, error.ErrorCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompt_TrainAndDeploy_WalksThroughDescribeTrainComparePromoteAndRollback()
    {
        await using var client = await factory.ConnectMcpAsync();

        var prompts = await client.ListPromptsAsync();
        var prompt = await client.GetPromptAsync("train_and_deploy",
            new Dictionary<string, object?> { ["dataset"] = "churn", ["label"] = "churned", ["model"] = "churn-model" });

        var listed = Assert.Single(prompts, p => p.Name == "train_and_deploy");
        Assert.Equal(["dataset", "label", "model"], listed.ProtocolPrompt.Arguments!.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.All(listed.ProtocolPrompt.Arguments!, a => Assert.True(a.Required));
        var text = string.Join("\n", prompt.Messages.Select(m => Assert.IsType<TextContentBlock>(m.Content).Text));
        var steps = new[] { "describe_dataset", "train_model", "compare_versions", "promote_model", "start_rollout", "predict with", "send_feedback", "get_rollout", "rollback_model" };
        var positions = steps.Select(s => text.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("'churned'", text, StringComparison.Ordinal);
        Assert.Contains("'churn-model'", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prompt_WithAMissingUnknownOrNonStringArgument_IsInvalidParams_NamingIt()
    {
        await using var client = await factory.ConnectMcpAsync();

        async Task<string> Refused(Dictionary<string, object?> arguments)
        {
            var error = await Assert.ThrowsAsync<McpProtocolException>(() => client.GetPromptAsync("train_and_deploy", arguments).AsTask());
            Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
            return error.Message;
        }

        var missing = await Refused(new() { ["label"] = "churned", ["model"] = "m" });
        var unknown = await Refused(new() { ["dataset"] = "churn", ["label"] = "churned", ["model"] = "m", ["modle"] = "x" });
        var number = await Refused(new() { ["dataset"] = 5, ["label"] = "churned", ["model"] = "m" });

        Assert.Contains("Missing required argument 'dataset' for the prompt train_and_deploy (Dataset to train on)", missing, StringComparison.Ordinal);
        Assert.Contains("Unknown argument 'modle'", unknown, StringComparison.Ordinal);
        Assert.Contains("Argument 'dataset' must be a string", number, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completions_OfferDatasetNamesModelNamesAndTheDatasetsColumns()
    {
        await using var client = await factory.ConnectMcpAsync();
        var name = McpTestClient.Unique("compl");
        await client.CallOkAsync("create_dataset", new { name, csv = "height,weight,species\n1,2,a\n2,3,b\n3,4,a\n" });

        var datasets = await client.CompleteAsync(new ResourceTemplateReference { Uri = "dataset://{name}" }, "name", name[..8]);
        var forPrompt = await client.CompleteAsync(new PromptReference { Name = "train_and_deploy" }, "dataset", name[..8]);
        var labels = await client.CompleteAsync(new CompleteRequestParams
        {
            Ref = new PromptReference { Name = "train_and_deploy" },
            Argument = new Argument { Name = "label", Value = "" },
            Context = new CompleteContext { Arguments = new Dictionary<string, string> { ["dataset"] = name } },
        });
        var none = await client.CompleteAsync(new ResourceTemplateReference { Uri = "model://{name}" }, "name", "no-model-starts-like-this");

        Assert.Contains(name, datasets.Completion.Values);
        Assert.Contains(name, forPrompt.Completion.Values);
        Assert.Equal(["height", "weight", "species"], labels.Completion.Values);
        Assert.Empty(none.Completion.Values);
    }
}
