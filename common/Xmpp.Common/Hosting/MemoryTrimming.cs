using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Xmpp.Common.Hosting;

public static class MemoryTrimming
{
    /// <summary>Adds the <see cref="MemoryTrimmer"/>, configured from the "Memory" section.</summary>
    public static WebApplicationBuilder AddMemoryTrimming(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<MemoryOptions>(builder.Configuration.GetSection(MemoryOptions.Section));
        builder.Services.AddHostedService<MemoryTrimmer>();
        return builder;
    }
}
