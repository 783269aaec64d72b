using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Xmpp.Common;
using Xmpp.Common.Components;
using Xmpp.Common.Stanzas;
using Xmpp.Upload.Storage;
using Xmpp.Upload.Telemetry;

namespace Xmpp.Upload.Protocol;

/// <summary>
/// The XMPP side of XEP-0363 on upload.&lt;domain&gt;: disco#info (identity store/file, the
/// feature, the max-file-size form), empty disco#items, and slot requests answered with PUT and
/// GET URLs or the XEP's errors. Everything else addressed to it: &lt;service-unavailable/&gt;.
/// </summary>
public sealed class UploadComponent : IServiceComponent
{
    private static readonly XNamespace Client = Ns.Client;
    private static readonly XNamespace Info = Ns.DiscoInfo;
    private static readonly XNamespace Items = Ns.DiscoItems;
    private static readonly XNamespace Upload = UploadNs.HttpUpload;
    private static readonly XNamespace Forms = UploadNs.DataForms;

    private readonly UploadOptions _options;
    private readonly IStanzaSender _sender;
    private readonly SlotIssuer _issuer;
    private readonly SlotUrls _urls;
    private readonly ILogger _logger;

    public UploadComponent(IOptions<UploadOptions> options, IOptions<ServiceComponentOptions> component, IStanzaSender sender,
        UploadIndex index, SlotUrls urls, TimeProvider time, ILogger<UploadComponent> logger)
    {
        _options = options.Value;
        _sender = sender;
        _urls = urls;
        _logger = logger;
        _issuer = new SlotIssuer(_options, component.Value.ServerDomain, index, time);
    }

    public ValueTask HandleAsync(XElement stanza, CancellationToken ct)
    {
        var type = (string?)stanza.Attribute("type");
        if (stanza.Name == Client + "iq" && type is "get" or "set")
            Send(Answer(stanza, type, stanza.Elements().FirstOrDefault()));
        else if (stanza.Name == Client + "message" && type != "error")
            Send(StanzaErrors.Reply(stanza, StanzaErrors.ServiceUnavailable));
        else
        {
            // Presence, iq results and errors: nothing to answer.
            _logger.LogDebug("A {Kind} of type {Type} for the upload service ignored", stanza.Name.LocalName, type ?? "(none)");
            UploadTelemetry.Ignore(stanza.Name.LocalName);
        }
        return ValueTask.CompletedTask;
    }

    private XElement Answer(XElement iq, string type, XElement? payload)
    {
        var to = Jid.Parse((string)iq.Attribute("to")!);
        var toDomain = to.Local is null && to.Resource is null;
        if (toDomain && type == "get" && payload is not null)
        {
            if (payload.Name == Info + "query")
                return payload.Attribute("node") is null ? Result(iq, DiscoInfo()) : StanzaErrors.Reply(iq, StanzaErrors.ItemNotFound);
            if (payload.Name == Items + "query")
                return payload.Attribute("node") is null ? Result(iq, new XElement(Items + "query")) : StanzaErrors.Reply(iq, StanzaErrors.ItemNotFound);
            if (payload.Name == Upload + "request") return SlotAnswer(iq, payload);
        }
        return StanzaErrors.Reply(iq, StanzaErrors.ServiceUnavailable);
    }

    private XElement SlotAnswer(XElement iq, XElement request)
    {
        var requester = Jid.Parse((string)iq.Attribute("from")!);
        var (slot, refusal) = _issuer.Issue(requester, request);
        if (refusal is not null)
        {
            _logger.LogInformation("Upload slot for {Requester} refused ({Reason}): {Text}", requester.Bare, refusal.Reason, refusal.Text);
            UploadTelemetry.SlotRefused(refusal.Reason);
            return refusal.ReplyTo(iq);
        }
        _logger.LogInformation("Upload slot {Slot} given to {Requester}: {Size} bytes of {ContentType}", Slot.ShortId(slot!.Id), slot.Owner, slot.Size, slot.ContentType);
        UploadTelemetry.SlotsGiven.Add(1);
        var url = _urls.For(slot.Id, slot.FileName);
        return Result(iq, new XElement(Upload + "slot", new XElement(Upload + "put", new XAttribute("url", url)), new XElement(Upload + "get", new XAttribute("url", url))));
    }

    private XElement DiscoInfo() => new(Info + "query",
        new XElement(Info + "identity", new XAttribute("category", "store"), new XAttribute("type", "file"), new XAttribute("name", "HTTP File Upload")),
        new XElement(Info + "feature", new XAttribute("var", Ns.DiscoInfo)),
        new XElement(Info + "feature", new XAttribute("var", UploadNs.HttpUpload)),
        new XElement(Forms + "x", new XAttribute("type", "result"),
            new XElement(Forms + "field", new XAttribute("var", "FORM_TYPE"), new XAttribute("type", "hidden"), new XElement(Forms + "value", UploadNs.HttpUpload)),
            new XElement(Forms + "field", new XAttribute("var", "max-file-size"), new XElement(Forms + "value", _options.MaxFileSize.ToString(CultureInfo.InvariantCulture)))));

    private static XElement Result(XElement iq, XElement payload) => new(Client + "iq",
        new XAttribute("type", "result"), new XAttribute("id", (string?)iq.Attribute("id") ?? ""),
        new XAttribute("from", (string)iq.Attribute("to")!), new XAttribute("to", (string)iq.Attribute("from")!), payload);

    /// <summary>A refusal by the link is logged and counted there (ServiceComponentLink).</summary>
    private void Send(XElement stanza) => _sender.Send(stanza);
}
