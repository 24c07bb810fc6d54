using OrleansMl.Hosting;

// A silo on its own: the same configuration the Gateway co-hosts in embedded mode, plus health and metrics
// endpoints for orchestrators. Clients (gateways, internal services) reach it through its Orleans gateway port.
var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansMlSilo();
builder.Services.AddHealthChecks();

var app = builder.Build();
app.MapHealthChecks("/health/live");
app.Run();
