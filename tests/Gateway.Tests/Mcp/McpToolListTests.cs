using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Client;
using ModelContextProtocol.Server;

namespace OrleansMl.Gateway.Tests.Mcp;

[Collection(GatewayCollection.Name)]
public sealed class McpToolListTests(GatewayFactory factory)
{
    private static readonly string[] ContractTools =
    [
        "list_datasets", "describe_dataset", "create_dataset", "train_model", "get_training_status", "cancel_training",
        "list_models", "describe_model", "predict", "promote_model", "rollback_model", "remove_alias", "compare_versions", "list_changes",
        "start_rollout", "get_rollout", "abort_rollout", "send_feedback", "get_model_health", "set_alias_guard",
        "delete_model_version", "delete_dataset_version", "evaluate_model", "list_training_jobs",
        "set_schedule", "get_schedule", "delete_schedule",
        "get_dataset_drift", "append_rows",
        "list_feature_sets", "get_features", "define_feature_set", "set_feature_values", "add_feature_events",
    ];

    [Fact]
    public async Task ToolList_HasEveryContractTool_WithDescribedParametersAndObjectOutputSchemas()
    {
        await using var client = await factory.ConnectMcpAsync();

        var tools = await client.ListToolsAsync();

        Assert.Equal(ContractTools.Order(), tools.Select(t => t.Name).Order());
        foreach (var tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            Assert.True(tool.Description.Length > 60, $"{tool.Name}: the description should tell a model when to call it");
            foreach (var parameter in tool.JsonSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(parameter.Value.TryGetProperty("description", out _), $"{tool.Name}.{parameter.Name} has no description");
            }

            var output = tool.ProtocolTool.OutputSchema;
            Assert.True(output.HasValue, $"{tool.Name} has no output schema");
            Assert.Equal("object", output.Value.GetProperty("type").GetString());
        }
    }

    /// <summary>Stateless MCP asks for the server options on every request; they are built once and shared.</summary>
    [Fact]
    public async Task ServerOptions_AreBuiltOnce_AndEveryRequestSeesTheSameTools()
    {
        var options = factory.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>();
        var shared = options.Create(Options.DefaultName);
        await using var client = await factory.ConnectMcpAsync();

        var first = await client.ListToolsAsync();
        var second = await client.ListToolsAsync();

        Assert.Same(shared, options.Create(Options.DefaultName));
        Assert.Equal(ContractTools.Order(), first.Select(t => t.Name).Order());
        Assert.Equal(ContractTools.Order(), second.Select(t => t.Name).Order());
        Assert.Equal(ContractTools.Length, shared.ToolCollection!.Count);
    }

    [Theory]
    [InlineData("list_datasets", true, false, true)]
    [InlineData("describe_dataset", true, false, true)]
    [InlineData("get_dataset_drift", true, false, true)]
    [InlineData("append_rows", false, false, false)]
    [InlineData("get_training_status", true, false, true)]
    [InlineData("list_models", true, false, true)]
    [InlineData("describe_model", true, false, true)]
    [InlineData("compare_versions", true, false, true)]
    [InlineData("predict", true, false, true)]
    [InlineData("create_dataset", false, false, true)]
    [InlineData("train_model", false, false, false)]
    [InlineData("cancel_training", false, true, true)]
    [InlineData("promote_model", false, true, true)]
    [InlineData("rollback_model", false, true, false)]
    [InlineData("remove_alias", false, true, false)]
    [InlineData("list_changes", true, false, true)]
    [InlineData("evaluate_model", true, false, true)]
    [InlineData("list_training_jobs", true, false, true)]
    [InlineData("delete_model_version", false, true, true)]
    [InlineData("delete_dataset_version", false, true, true)]
    public async Task ToolAnnotations_SayWhatEachToolChanges(string name, bool readOnly, bool destructive, bool idempotent)
    {
        await using var client = await factory.ConnectMcpAsync();

        var annotations = (await client.ListToolsAsync()).Single(t => t.Name == name).ProtocolTool.Annotations;

        Assert.NotNull(annotations);
        Assert.Equal(readOnly, annotations.ReadOnlyHint ?? false);
        Assert.Equal(idempotent, annotations.IdempotentHint ?? false);
        Assert.False(annotations.OpenWorldHint ?? true);
        if (!readOnly)
        {
            Assert.Equal(destructive, annotations.DestructiveHint);
        }
    }

    [Fact]
    public async Task TrainModel_Schema_ListsAllowedTasksAndAlgorithms_AndRequiresOnlyModelDatasetLabel()
    {
        await using var client = await factory.ConnectMcpAsync();

        var schema = (await client.ListToolsAsync()).Single(t => t.Name == "train_model").JsonSchema;

        Assert.Equal(["model", "dataset", "label"], schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var properties = schema.GetProperty("properties");
        Assert.Equal(["auto", "binary", "multiclass", "regression"], Enum(properties.GetProperty("task")));
        Assert.Equal(["auto", "fasttree", "lightgbm", "fastforest", "linear", "lda", "kernelridge"], Enum(properties.GetProperty("algorithm")));
        Assert.Contains("lightgbm", properties.GetProperty("algorithm").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("boolean", properties.GetProperty("wait").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    [InlineData("2025-06-18")]
    public async Task StructuredContent_IsTheSameObject_OnEveryProtocolVersion(string? protocolVersion)
    {
        await using var client = await factory.ConnectMcpAsync(protocolVersion);
        var dataset = McpTestClient.Unique("shape");
        await client.CallOkAsync("create_dataset", new { name = dataset, csv = "a,b\n1,x\n2,y\n3,x\n" });

        var listed = await client.CallOkAsync("list_datasets");

        Assert.Null(client.SessionId);
        Assert.Contains(listed["datasets"]!.AsArray(), d => d!["name"]!.GetValue<string>() == dataset);
    }

    private static IEnumerable<string?> Enum(JsonElement property) => property.GetProperty("enum").EnumerateArray().Select(e => e.GetString());
}
