using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OrleansMl.Gateway.Security;
using OrleansMl.Hosting;

namespace OrleansMl.Gateway.Api;

/// <summary>
/// Request body limits per route, applied before a handler reads anything: JSON routes take at most
/// <c>OrleansMl__MaxJsonBodyKilobytes</c>, the dataset upload <c>OrleansMl__MaxUploadMegabytes</c> (plus multipart
/// framing), and <c>/mcp</c> sets its own. A body whose declared length is above the limit is answered 413 at once; a
/// body without one (chunked) is cut off by the server at the limit, also with 413.
/// </summary>
public static class BodyLimits
{
    private const string LimitItem = "orleansml-body-limit";

    /// <summary>The route takes dataset uploads: the upload limit applies instead of the JSON one.</summary>
    public static TBuilder WithUploadBodyLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new BodyLimitMetadata(BodyLimitKind.Upload));
    }

    /// <summary>The route sets its own limit (the MCP endpoint): this middleware leaves it alone.</summary>
    public static TBuilder WithOwnBodyLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(new BodyLimitMetadata(BodyLimitKind.Own));
    }

    /// <summary>Applies each route's limit; call it after routing (every minimal-API app routes first).</summary>
    public static WebApplication UseBodyLimits(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            var kind = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimitMetadata>()?.Kind ?? BodyLimitKind.Json;
            if (kind == BodyLimitKind.Own)
            {
                return next(context);
            }

            var settings = context.RequestServices.GetRequiredService<IOptions<OrleansMlOptions>>().Value;
            var (limit, description) = kind == BodyLimitKind.Upload
                ? (settings.MaxUploadBytes + (1 << 20), string.Create(CultureInfo.InvariantCulture,
                    $"Dataset uploads may be at most {settings.MaxUploadMegabytes} MB (OrleansMl__MaxUploadMegabytes); split the data."))
                : (settings.MaxJsonBodyBytes, string.Create(CultureInfo.InvariantCulture,
                    $"This route takes JSON bodies of at most {settings.MaxJsonBodyKilobytes} KB (OrleansMl__MaxJsonBodyKilobytes); send less per request (e.g. fewer prediction rows)."));
            context.Items[LimitItem] = description;
            if (context.Request.ContentLength > limit)
            {
                return RefuseAsync(context, description);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit;
            }
            else if (context.Request.ContentLength is null)
            {
                // A server that does not enforce the limit itself: the body is counted as it is read.
                context.Request.Body = new LimitedStream(context.Request.Body, limit);
            }

            return next(context);
        });
        return app;
    }

    /// <summary>What the limit of the current request is, for a 413 raised while reading its body.</summary>
    public static string Describe(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items[LimitItem] as string ?? "The request body is larger than the configured limit.";
    }

    private static Task RefuseAsync(HttpContext context, string description) =>
        Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Payload too large",
            string.Create(CultureInfo.InvariantCulture, $"The request body is {context.Request.ContentLength} bytes. {description}"));

    /// <summary>Reads through to the request body and fails the read that passes the limit, as the server would.</summary>
    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _read;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read > limit
                ? throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge)
                : read;
        }
    }

    private enum BodyLimitKind
    {
        Json,
        Upload,
        Own,
    }

    private sealed record BodyLimitMetadata(BodyLimitKind Kind);
}
