using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayConfiguration();
builder.UseOrleansMl();
builder.AddGateway();
builder.AddMcpGateway();

var app = builder.Build();
app.UseGateway();
app.MapDatasetsApi();
app.MapModelsApi();
app.MapPredictionsApi();
app.MapInferenceProtocolApi();
app.MapMcp("/mcp").WithMcpProtection();
app.MapOperations();
app.Run();

/// <summary>The gateway entry point (public for the test host).</summary>
public partial class Program;
