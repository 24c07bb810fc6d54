using System.Diagnostics;

namespace OrleansMl.Diagnostics;

/// <summary>
/// Counts predictions and uploads where they are served, whoever calls (the gateway or an internal service): latency,
/// rows and errors per model and version, accepted and refused uploads. Every other grain call passes straight through.
/// </summary>
public sealed class OperationMetricsFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var type = context.Request.GetInterfaceType();
        if (type == typeof(IPredictorGrain))
        {
            return PredictAsync(context);
        }

        if (type == typeof(IDatasetGrain) && context.Request.GetMethodName() == nameof(IDatasetGrain.AddVersionAsync))
        {
            return AddVersionAsync(context);
        }

        if (type == typeof(IUploadGrain) && context.Request.GetMethodName() == nameof(IUploadGrain.AppendAsync))
        {
            return AppendAsync(context);
        }

        return context.Invoke();
    }

    private static async Task PredictAsync(IIncomingGrainCallContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await context.Invoke();
        }
        catch (Exception ex)
        {
            // An unknown model's name came from the caller: it gets no series of its own.
            var model = ex is ModelNotFoundException ? "" : context.TargetId.Key.ToString();
            OrleansMlMetrics.PredictionFailed(model, OrleansMlMetrics.Reason(ex));
            throw;
        }

        if (context.Result is PredictionResult result)
        {
            OrleansMlMetrics.Predicted(result.Model, result.Version, result.Predictions.Length, started);
        }
    }

    private static async Task AddVersionAsync(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (OrleansMlException ex)
        {
            OrleansMlMetrics.UploadRejected(OrleansMlMetrics.Reason(ex));
            throw;
        }

        if (context.Result is DatasetUploadResult result)
        {
            OrleansMlMetrics.UploadAccepted(result);
        }
    }

    private static async Task AppendAsync(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (PayloadTooLargeException ex)
        {
            OrleansMlMetrics.UploadRejected(OrleansMlMetrics.Reason(ex));
            throw;
        }
    }
}
