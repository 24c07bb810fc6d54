using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Gateway.Security;
using OrleansMl.Gateway.Ui;
using OrleansMl.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddGatewayConfiguration();
    builder.UseOrleansMl();
    builder.AddGateway();
    builder.AddMcpGateway();
    builder.AddGatewaySecurity();
    builder.AddConsole();

    var app = builder.Build();
    app.UseGateway();
    app.UseGatewaySecurity();
    app.UseConsoleAccess();
    app.MapDatasetsApi();
    app.MapModelsApi();
    app.MapPredictionsApi();
    app.MapInferenceProtocolApi();
    app.MapModelHealthApi();
    app.MapRolloutsApi();
    app.MapSchedulesApi();
    app.MapKeysApi();
    app.MapAuditApi();
    app.MapCallerApi();
    app.MapJobsApi();
    app.MapFeaturesApi();
    app.MapMcpGateway("/mcp");
    app.MapOperations();
    app.MapConsole();
    app.Run();

    // Zero, unless something set it while the host ran (the listen-address guard stops an exposed gateway with 1).
    return Environment.ExitCode;
}
catch (Exception error) when (StartupFailure.Describe(error) is { } message)
{
    // A setting that does not parse or validate: one line naming it, not a stack trace.
    return StartupFailure.Report(message);
}

/// <summary>The gateway entry point (public for the test host).</summary>
public partial class Program;
