using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xmpp.Common.Components;
using Xmpp.Common.Stanzas;
using Xmpp.Muc.Protocol;
using Xmpp.Muc.Storage;
using Xmpp.Muc.Telemetry;

namespace Xmpp.Muc.Tests;

/// <summary>
/// The service without sockets: stanzas go in as XML text from users' full JIDs, what the service
/// sends is collected per recipient. The store is a real SQLite file in a temporary directory, so
/// a second harness on the same directory is the service after a restart.
/// </summary>
public sealed class MucHarness : IDisposable
{
    public const string Service = "conference.localhost";
    public static readonly XNamespace Client = "jabber:client";
    public static readonly XNamespace User = MucNs.User;

    private readonly List<XElement> _sent = [];
    private readonly SqliteMucStore _store;
    private readonly bool _ownsDirectory;

    public string Directory { get; }
    public MucOptions Options { get; }
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    public MucService Muc { get; }
    public IMucStore Store => _store;

    public MucHarness(MucOptions? options = null, string? directory = null)
    {
        _ownsDirectory = directory is null;
        Directory = directory ?? Path.Combine(Path.GetTempPath(), "muc-unit-" + Guid.NewGuid().ToString("N")[..10]);
        Options = options ?? new MucOptions();
        _store = new SqliteMucStore(Path.Combine(Directory, "muc.db"));
        Muc = new MucService(Microsoft.Extensions.Options.Options.Create(Options), new Sender(_sent), _store, Clock, new MucTelemetry(), NullLogger<MucService>.Instance);
    }

    /// <summary>Hands the service a stanza (jabber:client is the default namespace of the text).</summary>
    public void In(string xml)
    {
        var stanza = XElement.Parse(xml.Replace("<message ", "<message xmlns='jabber:client' ").Replace("<presence ", "<presence xmlns='jabber:client' ")
            .Replace("<iq ", "<iq xmlns='jabber:client' "));
        // as the link hands it: parsed from the bytes sm sent
        Muc.HandleAsync(StanzaCodec.Parse(StanzaCodec.ToBytes(stanza)), CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Everything sent since the last call, in order.</summary>
    public List<XElement> Take()
    {
        var taken = _sent.ToList();
        _sent.Clear();
        return taken;
    }

    /// <summary>What was sent to <paramref name="to"/> since the last <see cref="Take"/> (kept for later).</summary>
    public List<XElement> To(string to) => _sent.Where(s => (string?)s.Attribute("to") == to).ToList();

    /// <summary>Enters a room and returns what the joiner received (the sent list is cleared).</summary>
    public List<XElement> Join(string user, string room, string nick, string x = "<x xmlns='http://jabber.org/protocol/muc'/>")
    {
        In($"<presence from='{user}' to='{room}/{nick}'>{x}</presence>");
        var got = To(user);
        Take();
        return got;
    }

    /// <summary>A new room made an instant room by <paramref name="owner"/>.</summary>
    public void CreateInstant(string owner, string room, string nick)
    {
        Join(owner, room, nick);
        In($"<iq from='{owner}' to='{room}' type='set' id='instant'><query xmlns='{MucNs.Owner}'><x xmlns='jabber:x:data' type='submit'/></query></iq>");
        Assert.Equal("result", (string?)Take().Single(s => (string?)s.Attribute("id") == "instant").Attribute("type"));
    }

    public XElement Configure(string owner, string room, params (string Var, string Value)[] fields)
    {
        var xml = string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{f.Value}</value></field>"));
        In($"<iq from='{owner}' to='{room}' type='set' id='cfg'><query xmlns='{MucNs.Owner}'><x xmlns='jabber:x:data' type='submit'>" +
           $"<field var='FORM_TYPE'><value>{MucNs.RoomConfig}</value></field>{xml}</x></query></iq>");
        return To(owner).Last(s => (string?)s.Attribute("id") == "cfg");
    }

    /// <summary>Sends an iq and returns its answer to <paramref name="from"/>.</summary>
    public XElement Iq(string from, string to, string type, string payload, string id = "q")
    {
        In($"<iq from='{from}' to='{to}' type='{type}' id='{id}'>{payload}</iq>");
        return To(from).Last(s => s.Name.LocalName == "iq" && (string?)s.Attribute("id") == id);
    }

    public static int[] Codes(XElement stanza) =>
        stanza.Elements(User + "x").Elements(User + "status").Select(s => (int)s.Attribute("code")!).ToArray();

    public static XElement? Item(XElement presence) => presence.Element(User + "x")?.Element(User + "item");

    public static string? Condition(XElement stanza) =>
        stanza.Element(stanza.Name.Namespace + "error")?.Elements().FirstOrDefault(e => e.Name.NamespaceName == "urn:ietf:params:xml:ns:xmpp-stanzas")?.Name.LocalName;

    public void Dispose()
    {
        _store.Dispose();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }

    private sealed class Sender(List<XElement> sent) : IStanzaSender
    {
        public string Domain => Service;

        public bool Send(XElement stanza)
        {
            // as the link sends it: serialized now, so later changes to the tree do not show
            sent.Add(StanzaCodec.Parse(StanzaCodec.ToBytes(stanza)));
            return true;
        }
    }
}
