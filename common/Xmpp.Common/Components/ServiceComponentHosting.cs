using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xmpp.Common.Link;
using Xmpp.Common.Telemetry;

namespace Xmpp.Common.Components;

/// <summary>How a service process (muc, upload, pubsub) hosts its protocol logic behind a component link.</summary>
public static class ServiceComponentHosting
{
    /// <summary>
    /// Binds the "Component" and "Router" sections, registers the link (also as <see cref="IStanzaSender"/>),
    /// <typeparamref name="TService"/> as the handler of every stanza for the domain, and a readiness
    /// check that holds while the domain is bound. <paramref name="source"/> and <paramref name="meter"/>
    /// are the process's own, so the link's spans and counters are exported with the service's.
    /// </summary>
    public static IServiceCollection AddServiceComponent<TService>(this WebApplicationBuilder builder, ActivitySource source, Meter meter)
        where TService : class, IServiceComponent
    {
        var services = builder.Services;
        services.Configure<ServiceComponentOptions>(builder.Configuration.GetSection(ServiceComponentOptions.Section));
        services.Configure<RouterLinkOptions>(builder.Configuration.GetSection("Router"));
        services.AddSingleton(new ServiceComponentTelemetry(source, meter));
        services.AddSingleton<ServiceComponentLink>();
        services.AddSingleton<IStanzaSender>(sp => sp.GetRequiredService<ServiceComponentLink>());
        services.AddSingleton<TService>();
        services.AddHostedService(sp =>
        {
            var link = sp.GetRequiredService<ServiceComponentLink>();
            link.Attach(sp.GetRequiredService<TService>());
            return link;
        });
        services.AddHealthChecks().AddRouterLinkCheck(sp => sp.GetRequiredService<ServiceComponentLink>().IsUp);
        return services;
    }
}
