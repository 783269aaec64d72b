using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common.Link;
using Xmpp.Common.Sasl;
using Xmpp.Integration.Tests.Harness;
using Xmpp.Protos;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// Creates many accounts quickly: the CREATE actions xmppctl adduser sends (salted SCRAM keys,
/// never the password), over one router link of the test's own instead of one xmppctl process each.
/// </summary>
public static class BulkAccounts
{
    public static async Task<IReadOnlyList<Account>> CreateAsync(Cluster cluster, string prefix, int count)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var link = new RouterLink([$"ctl/{Guid.NewGuid():N}"[..16]], cluster.Pki.LinkOptions(cluster.RouterAddress, Xmpp.Common.Pki.PkiLayout.Admin()), NullLogger.Instance, _ => ValueTask.CompletedTask);
        var running = link.RunAsync(stop.Token);
        try
        {
            await link.WaitUpAsync(stop.Token);
            var accounts = Enumerable.Range(1, count).Select(i => new Account($"{prefix}-{i}-{Guid.NewGuid():N}"[..(prefix.Length + 12)], $"pw-{Guid.NewGuid():N}"[..16])).ToArray();
            await Task.WhenAll(accounts.Select(async account =>
            {
                var answer = await link.RequestAsync(new Frame
                {
                    To = $"sm/{account.Domain}",
                    Session = new Session { Action = Session.Types.Action.Create, Target = account.Jid, Credentials = Derive(account.Password) },
                }, stop.Token);
                if (answer.Session is not { Action: Session.Types.Action.Created, Failed: false })
                    throw new InvalidOperationException($"creating {account.Jid} failed: {answer}");
            }));
            return accounts;
        }
        finally
        {
            await stop.CancelAsync();
            try { await running; } catch (OperationCanceledException) { }
            await link.DisposeAsync();
        }
    }

    private static Credentials Derive(string password) => WireCredentials.Derive(password);
}
