using OrleansMl.Hosting;
using OrleansMl.Silo.Extensions;

// "Silo migrate" installs the PostgreSQL schema and exits; anything else runs the silo.
if (await SiloCommands.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

// A silo on its own: the same configuration the Gateway co-hosts in embedded mode, plus a liveness endpoint for
// orchestrators. Clients (gateways, internal services) reach it through its Orleans gateway port.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddOrleansMlSilo();
    builder.AddSiloOperations();

    var app = builder.Build();
    app.MapSiloOperations();
    app.Run();

    // Zero, unless something set it while the host ran (the listen-address guard stops an exposed gateway with 1).
    return Environment.ExitCode;
}
catch (Exception error) when (StartupFailure.Describe(error) is { } message)
{
    // A setting that does not parse or validate: one line naming it, not a stack trace.
    return StartupFailure.Report(message);
}
