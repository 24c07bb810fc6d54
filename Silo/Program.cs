using OrleansMl.Hosting;
using OrleansMl.Silo.Extensions;

// "Silo migrate" installs the PostgreSQL schema and exits; anything else runs the silo.
if (await SiloCommands.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

// A silo on its own: the same configuration the Gateway co-hosts in embedded mode, plus a liveness endpoint for
// orchestrators. Clients (gateways, internal services) reach it through its Orleans gateway port.
var builder = WebApplication.CreateBuilder(args);
builder.AddOrleansMlSilo();
builder.AddSiloOperations();

var app = builder.Build();
app.MapSiloOperations();
app.Run();
return 0;
