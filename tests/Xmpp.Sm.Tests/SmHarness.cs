using System.Xml.Linq;
using Google.Protobuf;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Common.Stanzas;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Sessions;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Tests.Stores;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Tests;

/// <summary>A client's session as c2s sees it: which c2s, which connection, which sm session.</summary>
public sealed record Client(string Jid, string C2s, string C2sSession, string SmSession);

/// <summary>
/// Drives a real <see cref="SessionManager"/> over a real store (a SQLite file in a temp folder, or a
/// schema on the test PostgreSQL server: <see cref="TestStore"/>), the way
/// c2s and xmppctl do through the router: frames in, frames out.
/// </summary>
public sealed class SmHarness : IFrameSink, IDisposable
{
    public const string Domain = "localhost";
    public const string SmAddress = "sm/localhost";
    public const string C2s1 = "c2s/c2s-1";
    public const string C2s2 = "c2s/c2s-2";
    public const string Ctl = "ctl/test";

    private static readonly XNamespace ClientNs = Ns.Client;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "xmpp-sm-tests-" + Guid.NewGuid().ToString("N"));
    private readonly List<Frame> _sent = [];
    private int _nextC2sSession;
    private int _nextRequest;

    /// <param name="modules">Modules to load instead of the real list (e.g. the real list plus a test module).</param>
    /// <param name="settings">Configuration keys ("Sm:Version:Hide" = "true", ...) for the modules' own settings.</param>
    /// <param name="store">Where the data goes (the harness disposes it); a SQLite file of its own by default.</param>
    public SmHarness(Action<SmOptions>? configure = null, TimeProvider? clock = null, Func<SmContext, IReadOnlyList<Modules.IModule>>? modules = null,
        IReadOnlyDictionary<string, string?>? settings = null, TestStore? store = null)
    {
        Options = new SmOptions { Domain = Domain, DataDirectory = _dir };
        configure?.Invoke(Options);
        Store = store ?? new SqliteTestStore();
        Storage = Store.Open();
        Sm = new SessionManager(Options, SmStorage.Of(Storage), this, NullLoggerFactory.Instance, clock, modules,
            new ConfigurationBuilder().AddInMemoryCollection(WithArchiveOn(settings)).Build());
    }

    /// <summary>The XEP-0313 archive is off by default (Sm:Archive:Enabled); the harness turns it on unless a test says otherwise.</summary>
    private static Dictionary<string, string?> WithArchiveOn(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?> { ["Sm:Archive:Enabled"] = "true" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        return all;
    }

    public SmOptions Options { get; }

    /// <summary>The data's place: <see cref="TestStore.Open"/> opens it again (as sm after a restart).</summary>
    public TestStore Store { get; }

    public IStorageBackend Storage { get; }
    public SessionManager Sm { get; }

    void IFrameSink.Send(Frame frame) => _sent.Add(frame);

    /// <summary>The frames sm emitted since the last call, and forgets them.</summary>
    public List<Frame> Take()
    {
        var frames = _sent.ToList();
        _sent.Clear();
        return frames;
    }

    public List<Frame> Handle(Frame frame)
    {
        Sm.Handle(frame);
        return Take();
    }

    // ---- session actions ----

    public Frame Request(string from, Session session)
    {
        if (session.RequestId.Length == 0) session.RequestId = "r" + ++_nextRequest;
        var frames = Handle(new Frame { To = SmAddress, From = from, Session = session });
        var answer = Assert.Single(frames, f => f.Session is { } s && s.RequestId == session.RequestId);
        Assert.Equal(from, answer.To);
        Assert.Equal(Options.Address, answer.From);
        return answer;
    }

    public static Credentials CredentialsFor(string password, int iterations = 64) =>
        CredentialsMapping.ToWire([ScramAlgorithm.Sha1.Derive(password, iterations), ScramAlgorithm.Sha256.Derive(password, iterations)]);

    public void CreateUser(string local, string password = "secret")
    {
        var answer = Request(Ctl, new Session { Action = Action.Create, Target = $"{local}@{Domain}", Credentials = CredentialsFor(password) });
        Assert.Equal(Action.Created, answer.Session.Action);
        Assert.False(answer.Session.Failed);
    }

    public Frame StartFrame(string fullJid, string c2s, string c2sSession) =>
        new() { To = SmAddress, From = c2s, Session = new Session { Action = Action.Start, Target = fullJid, C2SSession = c2sSession, RequestId = "r" + ++_nextRequest } };

    /// <summary>Starts a session and returns it; other frames START caused (conflict ENDED) are kept for <see cref="Take"/>.</summary>
    public Client Start(string fullJid, string c2s = C2s1)
    {
        var c2sSession = (++_nextC2sSession).ToString();
        var frame = StartFrame(fullJid, c2s, c2sSession);
        Sm.Handle(frame);
        var answer = _sent.Single(f => f.Session?.RequestId == frame.Session.RequestId);
        _sent.Remove(answer);
        Assert.Equal(Action.Started, answer.Session.Action);
        Assert.False(answer.Session.Failed, answer.Session.Reason);
        return new Client(fullJid, c2s, c2sSession, answer.Session.SmSession);
    }

    /// <summary>Starts a session and sends its initial presence; clears what that produced.</summary>
    public Client Online(string fullJid, int priority = 0, string c2s = C2s1)
    {
        var client = Start(fullJid, c2s);
        Send(client, $"<presence><priority>{priority}</priority></presence>");
        Take();
        return client;
    }

    // ---- packets ----

    /// <summary>A packet frame as c2s sends it: the stanza in jabber:client, 'from' stamped with the full JID unless given.</summary>
    public static Frame PacketFrame(Client client, string xml)
    {
        var stanza = ParseClientXml(xml);
        if (stanza.Attribute("from") is null) stanza.SetAttributeValue("from", client.Jid);
        return new Frame
        {
            To = SmAddress,
            From = client.C2s,
            Packet = new Packet
            {
                C2SSession = client.C2sSession,
                SmSession = client.SmSession,
                Stanza = ByteString.CopyFrom(StanzaCodec.ToBytes(stanza)),
                Kind = stanza.Name.LocalName,
                Type = (string?)stanza.Attribute("type") ?? "",
                StanzaTo = (string?)stanza.Attribute("to") ?? "",
                StanzaFrom = (string?)stanza.Attribute("from") ?? "",
            },
        };
    }

    public List<Frame> Send(Client client, string xml) => Handle(PacketFrame(client, xml));

    /// <summary>Parses test XML written without namespaces: unqualified elements are put in jabber:client.</summary>
    public static XElement ParseClientXml(string xml)
    {
        var root = XElement.Parse(xml);
        foreach (var element in root.DescendantsAndSelf())
            if (element.Name.Namespace == XNamespace.None) element.Name = ClientNs + element.Name.LocalName;
        return root;
    }

    /// <summary>The stanzas among <paramref name="frames"/> that go to <paramref name="client"/>, checking the packet's addressing and hints.</summary>
    public static List<XElement> StanzasTo(IEnumerable<Frame> frames, Client client)
    {
        var result = new List<XElement>();
        foreach (var frame in frames)
        {
            if (frame.Packet is not { } packet || packet.SmSession != client.SmSession) continue;
            Assert.Equal(client.C2s, frame.To);
            Assert.Equal(client.C2sSession, packet.C2SSession);
            var stanza = StanzaCodec.Parse(packet.Stanza.Span);
            Assert.Equal(stanza.Name.LocalName, packet.Kind);
            Assert.Equal((string?)stanza.Attribute("type") ?? "", packet.Type);
            result.Add(stanza);
        }
        return result;
    }

    public static XElement SingleStanzaTo(IEnumerable<Frame> frames, Client client) => Assert.Single(StanzasTo(frames, client));

    public static XName C(string localName) => ClientNs + localName;

    public static string? ErrorCondition(XElement stanza) =>
        stanza.Element(C("error"))?.Elements().FirstOrDefault(e => e.Name.NamespaceName == Ns.Stanzas && e.Name.LocalName != "text")?.Name.LocalName;

    public void Dispose()
    {
        Storage.Dispose();
        Store.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
