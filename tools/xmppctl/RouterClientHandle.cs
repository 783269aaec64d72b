using Grpc.Net.Client;
using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl;

/// <summary>
/// A Router gRPC client over the admin's mTLS channel, for the commands that call more than
/// Router.Link (trace, components); disposing it closes the channel and releases the certificate.
/// </summary>
internal sealed class RouterClientHandle : IDisposable
{
    private readonly RouterLinkTls _tls;
    private readonly GrpcChannel _channel;

    private RouterClientHandle(RouterLinkTls tls, string address)
    {
        _tls = tls;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = tls.Handler() });
        Client = new Router.RouterClient(_channel);
    }

    public Router.RouterClient Client { get; }

    /// <summary>The client, or null after printing why the admin's certificate could not be loaded.</summary>
    public static RouterClientHandle? Open(CtlContext context)
    {
        try
        {
            return new RouterClientHandle(RouterLinkTls.FromOptions(context.LinkOptions), context.RouterAddress);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.Security.Cryptography.CryptographicException)
        {
            context.Err.WriteLine($"error: {e.Message}");
            return null;
        }
    }

    public void Dispose()
    {
        _channel.Dispose();
        _tls.Dispose();
    }
}
