using System.Text.Json;
using System.Text.RegularExpressions;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// Issue #5, containers, checked without a container engine: docker-compose.yml passes
/// `docker-compose config` (Debian's docker-compose, installed by tools/test.sh)
/// and has the promised topology; each Dockerfile is a multi-stage build from the repository root
/// onto a .NET runtime image, running as a non-root user, copying only paths that exist.
/// </summary>
public sealed class ComposeFileTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly string[] XmppServices = ["router", "sm", "c2s-1", "c2s-2", "c2s-3", "muc"];

    [Fact]
    public async Task Docker_compose_config_accepts_the_file_and_it_has_router_sm_three_c2s_haproxy_and_jaeger()
    {
        var quiet = await ComposeAsync("config", "-q");
        Assert.True(quiet.ExitCode == 0, $"docker-compose config -q: {quiet}");

        // The normalised configuration, as JSON (Debian's python3-yaml, which docker-compose also uses; tools/test.sh installs it).
        var config = await ComposeAsync("config");
        Assert.Equal(0, config.ExitCode);
        var json = await ProcessRunner.RunAsync("/usr/bin/python3", ["-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"], Limit, config.Stdout);
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        var services = document.RootElement.GetProperty("services");
        output.WriteLine(string.Join(", ", services.EnumerateObject().Select(s => s.Name)));

        foreach (var name in XmppServices.Concat(["haproxy", "jaeger"]))
            Assert.True(services.TryGetProperty(name, out _), $"no service {name}");

        // every process exports traces to Jaeger over OTLP
        foreach (var name in XmppServices)
            Assert.Equal("http://jaeger:4317", Env(services, name, "OTEL_EXPORTER_OTLP_ENDPOINT"));

        // three c2s from one Dockerfile, with distinct instance ids, all pointing at the router
        var ids = XmppServices.Where(n => n.StartsWith("c2s", StringComparison.Ordinal)).Select(n => Env(services, n, "C2s__InstanceId")).ToArray();
        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        foreach (var name in XmppServices.Where(n => n != "router"))
            Assert.Equal("https://router:5347", Env(services, name, "Router__Address"));

        // issue #18: mutual TLS on every link. The pki service creates the certificates; each XMPP
        // service mounts only its own volume of them (read-only) and nobody but pki the CA's key;
        // the router's port is not published.
        Assert.True(services.TryGetProperty("pki", out var pki), "no pki init service");
        Assert.Contains(pki.GetProperty("volumes").EnumerateArray(), v => v.ToString().Contains("pki-ca", StringComparison.Ordinal));
        foreach (var name in XmppServices)
        {
            var pkiVolumes = services.GetProperty(name).GetProperty("volumes").EnumerateArray().Select(v => v.ToString()).Where(v => v.Contains("pki", StringComparison.Ordinal)).ToArray();
            var own = $"pki-{name}";
            Assert.True(pkiVolumes.Length == 1 && pkiVolumes[0].Contains($"{own}:/pki:ro", StringComparison.Ordinal), $"{name} mounts {string.Join(", ", pkiVolumes)}");
            Assert.Equal(name == "router" ? "/pki/router.crt" : "/pki/link.crt", Env(services, name, name == "router" ? "Router__ServerCertificate" : "Router__Certificate"));
            Assert.Equal("/pki/ca.crt", Env(services, name, "Router__CaCertificate"));
        }
        Assert.False(services.GetProperty("router").TryGetProperty("ports", out _), "the router's port is published");
        Assert.All(XmppServices.Where(n => n.StartsWith("c2s", StringComparison.Ordinal)),
            n => Assert.Equal("c2s/Dockerfile", services.GetProperty(n).GetProperty("build").GetProperty("dockerfile").GetString()));

        // sm keeps its data in a volume
        Assert.Contains(services.GetProperty("sm").GetProperty("volumes").EnumerateArray(), v => v.ToString().Contains("/data", StringComparison.Ordinal));
        Assert.True(document.RootElement.GetProperty("volumes").TryGetProperty("sm-data", out _));
        // issue 21: muc serves conference.<domain> and keeps its rooms in a volume
        Assert.Equal("conference.localhost", Env(services, "muc", "Component__Domain"));
        Assert.Contains(services.GetProperty("muc").GetProperty("volumes").EnumerateArray(), v => v.ToString().Contains("muc-data:/data", StringComparison.Ordinal));

        // HAProxy on 5222 with deploy/haproxy.cfg, whose servers are exactly the c2s services
        var haproxy = services.GetProperty("haproxy");
        Assert.Contains(haproxy.GetProperty("ports").EnumerateArray(), p => p.ToString().Contains("5222", StringComparison.Ordinal));
        Assert.Contains(haproxy.GetProperty("volumes").EnumerateArray(), v => v.ToString().Contains("deploy/haproxy.cfg", StringComparison.Ordinal));
        var cfg = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "haproxy.cfg"));
        Assert.Matches(@"(?m)^\s*mode tcp\b", cfg);
        Assert.Matches(@"(?m)^\s*bind :5222\b", cfg);
        var servers = Regex.Matches(cfg, @"(?m)^\s*server\s+\S+\s+([^:\s]+):5222\b").Select(m => m.Groups[1].Value).Order().ToArray();
        Assert.Equal(XmppServices.Where(n => n.StartsWith("c2s", StringComparison.Ordinal)).Order(), servers);

        // issue 18: haproxy sends PROXY protocol v2 to every c2s, and every c2s trusts exactly haproxy's fixed address
        Assert.All(Regex.Matches(cfg, @"(?m)^\s*server\s+\S+\s+\S+:5222\b.*$"), m => Assert.Contains("send-proxy-v2", m.Value, StringComparison.Ordinal));
        var haproxyAddress = haproxy.GetProperty("networks").GetProperty("default").GetProperty("ipv4_address").GetString();
        Assert.False(string.IsNullOrEmpty(haproxyAddress));
        foreach (var name in XmppServices.Where(n => n.StartsWith("c2s", StringComparison.Ordinal)))
            Assert.Equal(haproxyAddress, Env(services, name, "C2s__ProxyProtocol__TrustedProxies__0"));

        // issue 19: direct TLS (XEP-0368) on 5223, passed through to every c2s's C2s__DirectTlsPort with the PROXY header
        Assert.Contains(haproxy.GetProperty("ports").EnumerateArray(), p => p.ToString().Contains("5223", StringComparison.Ordinal));
        Assert.Matches(@"(?m)^\s*bind :5223\b", cfg);
        var directServers = Regex.Matches(cfg, @"(?m)^\s*server\s+\S+\s+([^:\s]+):5223\b.*$");
        Assert.Equal(servers, directServers.Select(m => m.Groups[1].Value).Order());
        Assert.All(directServers, m => Assert.Contains("send-proxy-v2", m.Value, StringComparison.Ordinal));
        foreach (var name in XmppServices.Where(n => n.StartsWith("c2s", StringComparison.Ordinal)))
            Assert.Equal("5223", Env(services, name, "C2s__DirectTlsPort"));

        // Jaeger: OTLP in, UI out
        var jaeger = services.GetProperty("jaeger");
        var jaegerPorts = string.Join(" ", jaeger.GetProperty("ports").EnumerateArray().Select(p => p.ToString()));
        Assert.Contains("16686", jaegerPorts);
        Assert.Contains("4317", jaegerPorts);
    }

    [Theory]
    [InlineData("router/Dockerfile", "xmpp-router.dll")]
    [InlineData("sm/Dockerfile", "xmpp-sm.dll")]
    [InlineData("c2s/Dockerfile", "xmpp-c2s.dll")]
    [InlineData("upload/Dockerfile", "xmpp-upload.dll")]
    [InlineData("muc/Dockerfile", "xmpp-muc.dll")]
    public async Task Each_dockerfile_is_multi_stage_onto_a_runtime_image_as_a_non_root_user(string dockerfile, string entry)
    {
        var lines = (await File.ReadAllLinesAsync(Path.Combine(RepoPaths.Root, dockerfile)))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        var froms = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();
        Assert.True(froms.Length >= 2, $"{dockerfile}: not a multi-stage build");
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/sdk:10.0", froms[0].l);
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/(aspnet|runtime):10\.0\b", froms[^1].l);

        var final = lines.Skip(froms[^1].i).ToArray();
        var user = final.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.True(user is not null, $"{dockerfile}: the runtime stage sets no USER");
        Assert.DoesNotMatch(@"^USER\s+(root|0)(:|$)", user);
        Assert.Contains(final, l => l.StartsWith("COPY --from=build", StringComparison.Ordinal));
        Assert.Contains(final, l => l.StartsWith("ENTRYPOINT", StringComparison.Ordinal) && l.Contains(entry, StringComparison.Ordinal));

        // every COPY from the build context (the repository root) names something that exists
        foreach (var copy in lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
        {
            var parts = copy.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            foreach (var source in parts[1..^1])
                Assert.True(File.Exists(Path.Combine(RepoPaths.Root, source)) || Directory.Exists(Path.Combine(RepoPaths.Root, source)),
                    $"{dockerfile}: COPY source {source} does not exist");
        }
        // the publish command builds the project the entry point names
        Assert.Contains(lines, l => l.Contains("dotnet publish", StringComparison.Ordinal));
    }

    private static string? Env(JsonElement services, string service, string key) =>
        services.GetProperty(service).GetProperty("environment").TryGetProperty(key, out var value) ? value.GetString() : null;

    private static async Task<RunResult> ComposeAsync(params string[] args)
    {
        try
        {
            return await ProcessRunner.RunAsync("docker-compose", ["-f", Path.Combine(RepoPaths.Root, "docker-compose.yml"), .. args], Limit);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("docker-compose is not installed (Debian package docker-compose; tools/test.sh installs it)", e);
        }
    }
}
