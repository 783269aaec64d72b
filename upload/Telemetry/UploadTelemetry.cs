using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Xmpp.Upload.Telemetry;

/// <summary>The upload service's metrics: slots given and refused, uploads and downloads, expiry.</summary>
public static class UploadTelemetry
{
    public const string Name = "Xmpp.Upload";
    public const string ServiceName = "xmpp-upload";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> SlotsGiven = Meter.CreateCounter<long>("xmpp.upload.slots", "{slot}", "Upload slots given");
    private static readonly Counter<long> SlotsRefused = Meter.CreateCounter<long>("xmpp.upload.slots.refused", "{request}",
        "Slot requests refused, by reason (bad-request, forbidden, file-too-large, quota, rate)");
    public static readonly Counter<long> Uploaded = Meter.CreateCounter<long>("xmpp.upload.uploaded", "{file}", "Files uploaded (PUT completed)");
    public static readonly Counter<long> UploadedBytes = Meter.CreateCounter<long>("xmpp.upload.uploaded.bytes", "By", "Bytes of the files uploaded");
    private static readonly Counter<long> PutsRefused = Meter.CreateCounter<long>("xmpp.upload.puts.refused", "{request}",
        "PUTs refused, by reason (unknown-slot, expired, used, in-progress, no-length, length-mismatch, type-mismatch, body-mismatch, failed)");
    public static readonly Counter<long> Downloads = Meter.CreateCounter<long>("xmpp.upload.downloads", "{request}", "Files served (GET and HEAD)");
    private static readonly Counter<long> Expired = Meter.CreateCounter<long>("xmpp.upload.expired", "{file}", "Files and unused slots deleted on expiry, by kind (file, slot)");
    private static readonly Counter<long> Ignored = Meter.CreateCounter<long>("xmpp.upload.ignored", "{stanza}", "Stanzas for the service it does not answer (presence, error replies), by kind");

    public static void SlotRefused(string reason) => SlotsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public static void PutRefused(string reason) => PutsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public static void Expire(string kind, long count) => Expired.Add(count, new KeyValuePair<string, object?>("kind", kind));
    public static void Ignore(string kind) => Ignored.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
