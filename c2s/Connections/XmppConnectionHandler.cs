using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using Xmpp.C2s.Routing;
using Xmpp.C2s.Sasl;
using Xmpp.C2s.Tls;

namespace Xmpp.C2s.Connections;

/// <summary>Kestrel hands every accepted client socket here; each becomes a <see cref="ClientConnection"/>.</summary>
public sealed class XmppConnectionHandler(IOptions<C2sOptions> options, SmConnector sm, ConnectionRegistry registry, ILogger<ClientConnection> logger)
    : ConnectionHandler
{
    private readonly Lazy<ServerTls> _tls = new(() => new ServerTls(ServerCertificate.Load(options.Value), options.Value));
    private readonly byte[] _decoySecret = SaslNegotiator.NewDecoySecret();

    public override Task OnConnectedAsync(ConnectionContext connection) =>
        new ClientConnection(connection, options.Value, sm, registry, _tls.Value, _decoySecret, logger).RunAsync();
}
