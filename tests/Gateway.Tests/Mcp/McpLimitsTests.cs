using System.Text.Json.Nodes;

namespace OrleansMl.Gateway.Tests.Mcp;

/// <summary>Paging, deleting and idempotent training through MCP tools, as an assistant would call them.</summary>
[Collection(GatewayCollection.Name)]
public sealed class McpLimitsTests(GatewayFactory factory)
{
    [Fact]
    public async Task ListTools_ArePaged_AndFollowingNextCursor_ListsEveryName_Once()
    {
        await using var client = await factory.ConnectMcpAsync();
        var prefix = McpTestClient.Unique("mcp-page");
        var names = Enumerable.Range(0, 5).Select(i => $"{prefix}-{i}").ToList();
        foreach (var name in names)
        {
            await client.CallOkAsync("create_dataset", new { name, csv = $"a,b\n1,{name}\n2,z\n" });
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.CallOkAsync("list_datasets", cursor is null ? new { limit = 2 } : new { limit = 2, cursor });
            seen.AddRange(page["datasets"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
            cursor = page["nextCursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(names, seen.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)));
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Contains("is not a cursor of this listing", await client.CallInvalidParamsAsync("list_models", new { cursor = "garbage" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainModel_WithTheSameRequestId_ReturnsTheSameVersion_AndDeleteToolsRemoveVersions()
    {
        await using var client = await factory.ConnectMcpAsync();
        var dataset = McpTestClient.Unique("mcp-del-data");
        var model = McpTestClient.Unique("mcp-del");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = McpTestClient.BinaryCsv() });

        var first = await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear", requestId = "agent-call-1", wait = true });
        var retried = await client.CallOkAsync("train_model", new { model, dataset, label = "label", algorithm = "linear", requestId = "agent-call-1" });
        var conflict = await client.CallToolErrorAsync("train_model", new { model, dataset, label = "label", algorithm = "lightgbm", requestId = "agent-call-1" });
        var inUse = await client.CallToolErrorAsync("delete_dataset_version", new { name = dataset, version = 1 });
        var deleted = await client.CallOkAsync("delete_model_version", new { model, version = 1 });
        var datasetDeleted = await client.CallOkAsync("delete_dataset_version", new { name = dataset, version = 1 });

        Assert.Equal((1, 1), (first["version"]!.GetValue<int>(), retried["version"]!.GetValue<int>()));
        Assert.Contains("Idempotency key 'agent-call-1' was used", conflict, StringComparison.Ordinal);
        Assert.Contains("was trained on it", inUse, StringComparison.Ordinal);
        Assert.Equal(JsonValue.Create(1)!.ToJsonString(), deleted["version"]!.ToJsonString());
        Assert.NotNull(datasetDeleted["deletedAt"]);
        Assert.Contains("has no versions left: all were deleted", await client.CallToolErrorAsync("get_training_status", new { model, version = 1 }), StringComparison.Ordinal);

        // Described after its deletion, the dataset version says it is gone rather than suggesting to train on it.
        var described = McpTestClient.Text(await client.CallToolAsync("describe_dataset", McpTestClient.Arguments(new { name = dataset })));
        Assert.Contains($"Dataset '{dataset}' version 1 of 1 was deleted at", described, StringComparison.Ordinal);
        Assert.Contains("it cannot be trained on or evaluated", described, StringComparison.Ordinal);
        Assert.DoesNotContain("Next: train_model", described, StringComparison.Ordinal);
    }
}
