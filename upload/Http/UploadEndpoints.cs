using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Xmpp.Upload.Protocol;
using Xmpp.Upload.Storage;
using Xmpp.Upload.Telemetry;

namespace Xmpp.Upload.Http;

/// <summary>
/// The HTTPS side of XEP-0363: PUT /upload/&lt;slot&gt;/&lt;name&gt; stores the slot's file (streamed to
/// disk in 64 KiB pieces, never held whole), GET and HEAD serve it, OPTIONS answers CORS preflights
/// for web clients. Only the HTTPS endpoint serves these paths, and it serves nothing else.
/// </summary>
public sealed class UploadEndpoints(UploadIndex index, FileStore files, UploadsInProgress inProgress, IOptions<UploadOptions> options,
    TimeProvider time, ILogger<UploadEndpoints> logger)
{
    private const int BufferSize = 64 * 1024;

    public static void Map(WebApplication app)
    {
        // The metrics and health endpoint is plain HTTP on its own port; the HTTPS endpoint is only for files.
        app.Use((ctx, next) =>
        {
            if (ctx.Request.IsHttps != ctx.Request.Path.StartsWithSegments(SlotUrls.PathPrefix.TrimEnd('/')))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            AddCors(ctx.Response);
            return next(ctx);
        });
        const string route = SlotUrls.PathPrefix + "{id}/{name}";
        app.MapPut(route, (HttpContext ctx, string id, string name, UploadEndpoints endpoints) => endpoints.PutAsync(ctx, id, name));
        app.MapMethods(route, [HttpMethods.Get, HttpMethods.Head], (HttpContext ctx, string id, string name, UploadEndpoints endpoints) => endpoints.Get(ctx, id, name));
        app.MapMethods(route, [HttpMethods.Options], () => Results.NoContent());
    }

    /// <summary>XEP-0363 §6 asks services to let web clients in: any origin may PUT and GET.</summary>
    private static void AddCors(HttpResponse response)
    {
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowMethods = "GET, HEAD, PUT, OPTIONS";
        response.Headers.AccessControlAllowHeaders = "Content-Type";
        response.Headers.AccessControlMaxAge = "7200";
    }

    private async Task<IResult> PutAsync(HttpContext ctx, string id, string name)
    {
        var slot = index.Find(id);
        var refusal = PutRules.Check(slot, name, time.GetUtcNow(), ctx.Request.ContentLength, ctx.Request.ContentType);
        if (refusal is null && !inProgress.TryBegin(id))
            refusal = new HttpRefusal(StatusCodes.Status409Conflict, "in-progress", "An upload to this slot is running");
        if (refusal is not null) return Refuse(id, refusal);
        try
        {
            if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = slot!.Size;
            var written = await CopyBodyAsync(ctx, id, slot!.Size);
            if (written != slot.Size)
            {
                files.Delete(id);
                return Refuse(id, new HttpRefusal(StatusCodes.Status400BadRequest, "body-mismatch", $"The body held {written} bytes, not {slot.Size}"));
            }
            files.Commit(id);
            var now = time.GetUtcNow();
            if (!index.TryComplete(id, now, now + options.Value.FileLifetime))
            {
                files.Delete(id);
                return Refuse(id, new HttpRefusal(StatusCodes.Status409Conflict, "used", "This slot was used already"));
            }
            logger.LogInformation("Upload {Slot} of {Owner} stored: {Size} bytes", Slot.ShortId(id), slot.Owner, slot.Size);
            UploadTelemetry.Uploaded.Add(1);
            UploadTelemetry.UploadedBytes.Add(slot.Size);
            return Results.StatusCode(StatusCodes.Status201Created);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // The client went away or broke the framing: nothing is kept, the slot may be tried again while it lasts.
            files.Delete(id);
            logger.LogInformation("Upload {Slot} failed and was discarded: {Error}", Slot.ShortId(id), e.Message);
            UploadTelemetry.PutRefused("failed");
            return Results.StatusCode(e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest);
        }
        finally
        {
            inProgress.End(id);
        }
    }

    /// <summary>Streams the body into the slot's .part file; returns how many bytes came (at most <paramref name="size"/> + 1).</summary>
    private async Task<long> CopyBodyAsync(HttpContext ctx, string id, long size)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            await using var file = files.CreatePart(id);
            long written = 0;
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, BufferSize), ctx.RequestAborted)) > 0)
            {
                written += n;
                if (written > size) return written;
                await file.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
            }
            await file.FlushAsync(ctx.RequestAborted);
            return written;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private IResult Get(HttpContext ctx, string id, string name)
    {
        var slot = index.Find(id);
        if (slot is not { IsComplete: true } || slot.FileName != name || slot.FileExpiresAt <= time.GetUtcNow() || !File.Exists(files.PathOf(id)))
            return Results.NotFound();
        UploadTelemetry.Downloads.Add(1);
        var headers = ctx.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        var inline = slot.ContentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ||
                     slot.ContentType.StartsWith("audio/", StringComparison.OrdinalIgnoreCase) ||
                     slot.ContentType.StartsWith("video/", StringComparison.OrdinalIgnoreCase);
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(slot.FileName);
        headers.ContentDisposition = disposition.ToString();
        return Results.File(files.PathOf(id), slot.ContentType, enableRangeProcessing: true);
    }

    private IResult Refuse(string id, HttpRefusal refusal)
    {
        logger.LogInformation("PUT to upload slot {Slot} refused with {Status} ({Reason})", Slot.ShortId(id), refusal.Status, refusal.Reason);
        UploadTelemetry.PutRefused(refusal.Reason);
        return Results.Text(refusal.Text, "text/plain", statusCode: refusal.Status);
    }
}
