using System.Xml.Linq;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xmpp.Common;
using Xmpp.Common.Components;
using Xmpp.Common.PubSub;
using Xmpp.PubSub.Protocol;
using Xmpp.PubSub.Storage;

namespace Xmpp.PubSub.Tests;

/// <summary>The service's protocol logic on a real SQLite store in a temporary directory, its stanzas caught instead of sent.</summary>
public sealed class ServiceHarness : IDisposable
{
    public const string Domain = "pubsub.localhost";
    public static readonly XNamespace Client = Ns.Client;
    public static readonly XNamespace P = PubSubNs.P;
    public static readonly XNamespace O = PubSubNs.O;
    public static readonly XNamespace E = PubSubNs.E;

    private sealed class Outbox : IStanzaSender
    {
        public List<XElement> Sent { get; } = [];
        public string Domain => ServiceHarness.Domain;

        public bool Send(XElement stanza)
        {
            Sent.Add(stanza);
            return true;
        }
    }

    private readonly Outbox _out = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pubsub-test-" + Guid.NewGuid().ToString("N")[..12]);
    private int _ids;

    public SqlitePubSubStore Store { get; }
    public PubSubComponent Service { get; }
    public PubSubOptions Options { get; }

    public ServiceHarness(PubSubOptions? options = null)
    {
        Options = options ?? new PubSubOptions();
        Store = new SqlitePubSubStore(Path.Combine(_directory, "pubsub.db"));
        var engine = ServiceEngine.Create(Store, Store, Options, TimeProvider.System);
        Service = new PubSubComponent(_out, engine, Microsoft.Extensions.Options.Options.Create(Options),
            Microsoft.Extensions.Options.Options.Create(new ServiceComponentOptions { Domain = Domain, ServerDomain = "localhost" }),
            NullLogger<PubSubComponent>.Instance);
    }

    /// <summary>Hands the stanza to the service; returns what it sent in answer (the iq answer first).</summary>
    public IReadOnlyList<XElement> Handle(XElement stanza)
    {
        _out.Sent.Clear();
        Service.HandleAsync(stanza, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return _out.Sent.ToList();
    }

    /// <summary>Sends an iq from <paramref name="from"/> and returns the answer and the other stanzas sent meanwhile.</summary>
    public (XElement Answer, IReadOnlyList<XElement> Others) Iq(string from, string type, XElement payload, string to = Domain)
    {
        var id = "q" + ++_ids;
        var sent = Handle(new XElement(Client + "iq", new XAttribute("type", type), new XAttribute("id", id),
            new XAttribute("from", from), new XAttribute("to", to), payload));
        var answer = sent.Single(s => s.Name.LocalName == "iq" && (string?)s.Attribute("id") == id);
        return (answer, sent.Where(s => s != answer).ToList());
    }

    public XElement PubSub(string from, string type, params object[] children) => Iq(from, type, new XElement(P + "pubsub", children)).Answer;

    public XElement Owner(string from, string type, params object[] children) => Iq(from, type, new XElement(O + "pubsub", children)).Answer;

    public XElement Create(string from, string? node, params (string Var, string Value)[] config)
    {
        var create = new XElement(P + "create", node is null ? null : new XAttribute("node", node));
        return config.Length == 0 ? PubSub(from, "set", create) : PubSub(from, "set", create, new XElement(P + "configure", Form(PubSubNs.NodeConfigForm, config)));
    }

    public (XElement Answer, IReadOnlyList<XElement> Events) Publish(string from, string node, string? id, XElement payload) =>
        Iq(from, "set", new XElement(P + "pubsub", new XElement(P + "publish", new XAttribute("node", node),
            new XElement(P + "item", id is null ? null : new XAttribute("id", id), payload))));

    public (XElement Answer, IReadOnlyList<XElement> Events) Subscribe(string from, string node, string? jid = null) =>
        Iq(from, "set", new XElement(P + "pubsub", new XElement(P + "subscribe", new XAttribute("node", node), new XAttribute("jid", jid ?? from))));

    public static XElement Form(string formType, params (string Var, string Value)[] fields)
    {
        XNamespace x = PubSubNs.DataForms;
        return new XElement(x + "x", new XAttribute("type", "submit"),
            new XElement(x + "field", new XAttribute("var", "FORM_TYPE"), new XElement(x + "value", formType)),
            fields.Select(f => new XElement(x + "field", new XAttribute("var", f.Var), new XElement(x + "value", f.Value))));
    }

    public static XElement Entry(string title) => new((XNamespace)"urn:example:news" + "entry", new XElement((XNamespace)"urn:example:news" + "title", title));

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}

public static class Answers
{
    public static string? Type(this XElement e) => (string?)e.Attribute("type");

    /// <summary>(RFC 6120 condition, pubsub#errors condition) of an error answer.</summary>
    public static (string? Condition, string? App) Error(this XElement e)
    {
        var error = e.Element(ServiceHarness.Client + "error");
        return (error?.Elements().FirstOrDefault(c => c.Name.NamespaceName == Ns.Stanzas && c.Name.LocalName != "text")?.Name.LocalName,
            error?.Elements().FirstOrDefault(c => c.Name.NamespaceName == PubSubNs.Errors)?.Name.LocalName);
    }
}
