using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansMl.Gateway.Security;

namespace OrleansMl.Gateway.Api;

/// <summary><c>GET /api/jobs</c>: training jobs across every model, the ones still going and the latest outcomes.</summary>
public static class JobsApi
{
    /// <summary>The most finished jobs a listing returns.</summary>
    public const int MaxRecent = 100;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/jobs", ListAsync)
            .WithTags("Models")
            .WithSummary("Training jobs: queued and running ones with progress and stage, and the latest outcomes")
            .WithDescription($"recent: how many finished jobs to return, newest first (default 20, at most {MaxRecent}); failed ones carry their error.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .RequireScope(Scopes.Read)
            .AddEndpointFilter<FailoverFilter>();
        return app;
    }

    internal static async Task<Results<Ok<JobList>, ValidationProblem>> ListAsync(IGrainFactory grains, int? recent)
    {
        if (recent is < 0 or > MaxRecent)
        {
            var detail = $"recent must be 0 to {MaxRecent}; it is {recent}.";
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["recent"] = [detail] }, detail: detail, title: "Invalid job listing");
        }

        return TypedResults.Ok(await CatalogQueries.ListJobsAsync(grains, recent ?? 20));
    }
}

/// <summary>Training jobs across every model.</summary>
/// <param name="Active">Queued and running jobs, oldest first, with progress and stage.</param>
/// <param name="Recent">Finished jobs (succeeded, failed, cancelled), newest first, with their errors.</param>
public sealed record JobList(ImmutableArray<ModelVersionInfo> Active, ImmutableArray<ModelVersionInfo> Recent);
