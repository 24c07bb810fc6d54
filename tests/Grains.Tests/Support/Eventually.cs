namespace OrleansMl.Tests.Support;

/// <summary>Polling with a deadline instead of sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        T last;
        while (true)
        {
            last = await read();
            if (done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what ?? "a condition"}; last value: {last}");
            }

            await Task.Delay(50);
        }
    }

    public static Task<ModelVersionInfo> TerminalAsync(IGrainFactory grains, string model, int version, TimeSpan? timeout = null) =>
        GetAsync(() => grains.GetGrain<IModelGrain>(model).GetVersionAsync(version), v => v.Status.IsTerminal(), timeout, $"{model} v{version} to finish");
}
