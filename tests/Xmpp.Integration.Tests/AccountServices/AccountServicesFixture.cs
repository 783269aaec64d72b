using System.Net;
using Xmpp.Integration.Tests.Clients;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.AccountServices;

/// <summary>
/// One cluster for the XEP-0077 and XEP-0050/0133 tests: in-band registration on (c2s and sm),
/// at most <see cref="PerAddressLimit"/> registrations per client address, and one admin
/// (<see cref="Admin"/>) in Sm:Admins. Each test registers from its own loopback address
/// (<see cref="NextAddress"/>), so the per-address limit only bites where a test wants it to.
/// </summary>
public sealed class AccountServicesFixture : IAsyncLifetime
{
    public const int PerAddressLimit = 2;
    private static int _addresses = 20;
    private Cluster? _cluster;

    public Cluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster is not started");
    public Account Admin { get; } = new("boss", "boss-password-1");
    public int Port => Cluster.C2s1Port;

    /// <summary>A loopback address no other test of this fixture registers from.</summary>
    public static IPAddress NextAddress() => IPAddress.Parse($"127.0.0.{Interlocked.Increment(ref _addresses)}");

    public async Task InitializeAsync()
    {
        _cluster = await Cluster.StartAsync(new ClusterOptions
        {
            C2sCount = 1,
            ExtraArgs = new Dictionary<string, string[]>
            {
                ["c2s"] = ["--C2s:Registration:Enabled=true", $"--C2s:Registration:PerAddressLimit={PerAddressLimit}"],
                ["sm"] = ["--Sm:Registration:Enabled=true", $"--Sm:Admins:0={Admin.Jid}"],
            },
        });
        var added = await _cluster.CtlAsync("adduser", Admin.Jid, Admin.Password);
        if (added.ExitCode != 0) throw new InvalidOperationException($"adduser {Admin.Jid} failed: {added}\n{_cluster.OutputTail()}");
    }

    /// <summary>A connection from a fresh loopback address, stream opened and STARTTLS done: where registration is offered.</summary>
    public async Task<TestClient> SecuredStreamAsync(string name, IPAddress? address = null)
    {
        var client = await TestClient.ConnectAsync(Port, name, () => "\n" + Cluster.OutputTail(), address ?? NextAddress());
        await client.OpenStreamAsync();
        await client.StartTlsAsync();
        return client;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AccountServicesCollection : ICollectionFixture<AccountServicesFixture>
{
    public const string Name = "account-services";
}

/// <summary>XEP-0077 and XEP-0050 requests as a client writes them.</summary>
public static class AccountRequests
{
    public const string Register = "jabber:iq:register";
    public const string Commands = "http://jabber.org/protocol/commands";
    public const string Data = "jabber:x:data";
    public const string Stanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";

    /// <summary>Sends a registration set and returns the answer.</summary>
    public static async Task<System.Xml.Linq.XElement> RegisterAsync(this TestClient client, string username, string password)
    {
        var id = client.NewId("reg");
        await client.SendAsync($"<iq type='set' id='{id}'><query xmlns='{Register}'><username>{System.Security.SecurityElement.Escape(username)}</username><password>{System.Security.SecurityElement.Escape(password)}</password></query></iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id);
    }

    /// <summary>Sends an iq and waits for the answer with the same id.</summary>
    public static async Task<System.Xml.Linq.XElement> IqAsync(this TestClient client, string type, string inner, string? to = "localhost")
    {
        var id = client.NewId("iq");
        await client.SendAsync($"<iq type='{type}' id='{id}'{(to is null ? "" : $" to='{to}'")}>{inner}</iq>");
        return await client.ExpectAsync(e => e.IsIq() && e.Attr("id") == id);
    }

    /// <summary>A submitted XEP-0004 form with single- or multi-valued fields.</summary>
    public static string Submit(params (string Var, string[] Values)[] fields) =>
        $"<x xmlns='{Data}' type='submit'>" + string.Concat(fields.Select(f =>
            $"<field var='{f.Var}'>" + string.Concat(f.Values.Select(v => $"<value>{System.Security.SecurityElement.Escape(v)}</value>")) + "</field>")) + "</x>";
}
