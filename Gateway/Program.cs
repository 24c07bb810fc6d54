using OrleansMl.Gateway.Api;
using OrleansMl.Gateway.Extensions;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayConfiguration();
builder.UseOrleansMl();
builder.AddGateway();
builder.AddMcpGateway();
builder.AddGatewaySecurity();

var app = builder.Build();
app.UseGateway();
app.UseGatewaySecurity();
app.MapDatasetsApi();
app.MapModelsApi();
app.MapPredictionsApi();
app.MapInferenceProtocolApi();
app.MapKeysApi();
app.MapAuditApi();
app.MapFeaturesApi();
app.MapMcp("/mcp").WithMcpProtection().RequireCaller();
app.MapOperations();
app.Run();

/// <summary>The gateway entry point (public for the test host).</summary>
public partial class Program;
