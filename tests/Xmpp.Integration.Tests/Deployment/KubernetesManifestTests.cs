using k8s;
using k8s.Models;
using Xmpp.Integration.Tests.Harness;
using Xunit.Abstractions;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// Issue 22: deploy/kubernetes/ is valid for Kubernetes (<see cref="KubernetesManifests"/>: the official client's
/// strict deserialisation, kubernetes-models' JSON schemas, and checks across objects), has the promised shape,
/// and every validator refuses a manifest broken the way it should notice.
/// </summary>
public sealed class KubernetesManifestTests(ITestOutputHelper output)
{
    private static IReadOnlyList<object> LoadAll() =>
        [.. KubernetesManifests.Files.SelectMany(f => KubernetesManifests.LoadStrict(File.ReadAllText(f)))];

    [Fact]
    public void Every_manifest_deserialises_strictly_and_passes_the_checks_across_objects()
    {
        var objects = LoadAll();
        foreach (var o in objects) output.WriteLine($"{o.GetType().Name} {((IKubernetesObject<V1ObjectMeta>)o).Metadata.Name}");
        Assert.Empty(KubernetesManifests.CrossCheck(objects));
    }

    [Fact]
    public async Task Every_manifest_passes_the_kubernetes_json_schemas()
    {
        var result = await KubernetesManifests.SchemaValidateAsync(
            [.. KubernetesManifests.Files, Path.Combine(KubernetesManifests.Directory, "kustomization.yaml")]);
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("ERROR", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("ok ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Router_and_sm_shards_are_stateful_sets_and_c2s_a_deployment_scaled_on_connections()
    {
        var objects = LoadAll();
        var router = Assert.Single(objects.OfType<V1StatefulSet>(), s => s.Metadata.Name == "router");
        var sm = Assert.Single(objects.OfType<V1StatefulSet>(), s => s.Metadata.Name == "sm");
        var c2s = Assert.Single(objects.OfType<V1Deployment>(), d => d.Metadata.Name == "c2s");

        // a shard is named after its pod
        var shard = Assert.Single(sm.Spec.Template.Spec.Containers[0].Env, e => e.Name == "Sm__Shard");
        Assert.Equal("metadata.name", shard.ValueFrom.FieldRef.FieldPath);
        // PostgreSQL is external: its connection string from a Secret
        var connection = Assert.Single(sm.Spec.Template.Spec.Containers[0].Env, e => e.Name == "Sm__Storage__ConnectionString");
        Assert.Equal("xmpp-postgres", connection.ValueFrom.SecretKeyRef.Name);

        // the autoscaler counts connections, the gauge c2s exports (Prometheus name of xmpp.c2s.connections)
        var hpa = Assert.Single(objects.OfType<V2HorizontalPodAutoscaler>());
        Assert.Equal(("Deployment", "c2s"), (hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        var metric = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Pods");
        Assert.Equal("xmpp_c2s_connections", metric.Pods.Metric.Name);
        var telemetry = string.Concat(Directory.GetFiles(Path.Combine(RepoPaths.Root, "c2s", "Telemetry"), "*.cs").Select(File.ReadAllText));
        Assert.Contains("\"xmpp.c2s.connections\"", telemetry, StringComparison.Ordinal);

        // readiness and liveness on /health of each process's metrics port
        foreach (var (name, pod) in new[] { ("router", router.Spec.Template.Spec), ("sm", sm.Spec.Template.Spec), ("c2s", c2s.Spec.Template.Spec) })
        {
            var container = Assert.Single(pod.Containers);
            Assert.True(container.ReadinessProbe?.HttpGet?.Path == "/health/ready", $"{name}: readiness probe");
            Assert.True(container.LivenessProbe?.HttpGet?.Path == "/health/live", $"{name}: liveness probe");
        }

        // a PodDisruptionBudget for each of them
        var budgets = objects.OfType<V1PodDisruptionBudget>().Select(p => p.Metadata.Name).ToHashSet();
        Assert.Superset(budgets, new HashSet<string> { "router", "sm", "c2s", "haproxy" });

        // the link certificates come from Secrets; the CA's key only to c2s's init container
        Assert.Equal("xmpp-pki-router", router.Spec.Template.Spec.Volumes.Single(v => v.Name == "pki").Secret.SecretName);
        Assert.Equal("xmpp-pki-sm", sm.Spec.Template.Spec.Volumes.Single(v => v.Name == "pki").Secret.SecretName);
        var ca = c2s.Spec.Template.Spec.Volumes.Single(v => v.Secret?.SecretName == "xmpp-pki-ca").Name;
        Assert.DoesNotContain(c2s.Spec.Template.Spec.Containers[0].VolumeMounts, m => m.Name == ca);
        Assert.Contains(c2s.Spec.Template.Spec.InitContainers[0].VolumeMounts, m => m.Name == ca);

        // the client Service: haproxy, which sends c2s the PROXY protocol (v2), and c2s trusts it
        var client = Assert.Single(objects.OfType<V1Service>(), s => s.Spec.Type == "LoadBalancer");
        Assert.Equal(new[] { 5222, 5223 }, client.Spec.Ports.Select(p => p.Port).Order());
        var haproxyConfig = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "haproxy").Data["haproxy.cfg"];
        Assert.Contains("send-proxy-v2", haproxyConfig, StringComparison.Ordinal);
        Assert.Contains(c2s.Spec.Template.Spec.Containers[0].Env, e => e.Name == "C2s__ProxyProtocol__TrustedProxies__0");
    }

    [Fact]
    public async Task Haproxy_accepts_the_config_map_s_configuration()
    {
        var config = LoadAll().OfType<V1ConfigMap>().Single(c => c.Metadata.Name == "haproxy").Data["haproxy.cfg"];
        var file = Path.Combine(Path.GetTempPath(), $"haproxy-k8s-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(file, config);
        try
        {
            var haproxy = File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy";
            var result = await ProcessRunner.RunAsync(haproxy, ["-c", "-f", file], TimeSpan.FromSeconds(30));
            output.WriteLine(result.Output);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private const string Strict = "strict deserialisation", Schema = "json schema", Across = "cross-check";

    public static TheoryData<string, string, string, string, string, string> Breakages => new()
    {
        // case, file, text, replaced by, the validator that must refuse it, what its error names
        { "unknown field", "sm.yaml", "  replicas: 3\n", "  replica: 3\n", Strict, "'replica' not found" },
        { "wrong type", "sm.yaml", "  replicas: 3\n", "  replicas: three\n", Strict, "'three'" },
        { "wrong type", "sm.yaml", "  replicas: 3\n", "  replicas: three\n", Schema, "replicas must be integer" },
        { "required field missing", "router.yaml", "  selector:\n    matchLabels: {app.kubernetes.io/name: router}\n  template:", "  template:", Schema, "required property selector" },
        { "selector that misses its pods", "c2s.yaml", "      labels: {app.kubernetes.io/name: c2s, app.kubernetes.io/part-of: xmpp}", "      labels: {app.kubernetes.io/name: c2s-2, app.kubernetes.io/part-of: xmpp}", Across, "does not select its own pods" },
        { "probe on a port the container lacks", "sm.yaml", "httpGet: {path: /health/ready, port: metrics}", "httpGet: {path: /health/ready, port: metric}", Across, "probe port metric" },
        { "autoscaler target missing", "c2s.yaml", "kind: Deployment, name: c2s}", "kind: Deployment, name: c2s-frontend}", Across, "c2s-frontend" },
        { "writable root filesystem", "router.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", Across, "not read-only" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_broken_manifest_is_refused(string breakage, string file, string text, string replacement, string by, string named)
    {
        var path = Path.Combine(KubernetesManifests.Directory, file);
        var original = await File.ReadAllTextAsync(path);
        Assert.Contains(text, original, StringComparison.Ordinal); // the breakage applies to the file as it is
        var broken = original.Replace(text, replacement, StringComparison.Ordinal);

        // all three validators over the broken file together with the others
        var errors = new List<string>();
        IReadOnlyList<object>? objects = null;
        try
        {
            objects = KubernetesManifests.LoadStrict(broken);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException)
        {
            errors.Add($"{Strict}: {e.Message} {e.InnerException?.Message}");
        }
        if (objects is not null)
        {
            var others = KubernetesManifests.Files.Where(f => Path.GetFileName(f) != file).SelectMany(f => KubernetesManifests.LoadStrict(File.ReadAllText(f)));
            errors.AddRange(KubernetesManifests.CrossCheck([.. others, .. objects]).Select(p => $"{Across}: {p}"));
        }
        var copy = Path.Combine(Path.GetTempPath(), $"k8s-{Guid.NewGuid():N}-{file}");
        await File.WriteAllTextAsync(copy, broken);
        try
        {
            var schema = await KubernetesManifests.SchemaValidateAsync([copy]);
            if (schema.ExitCode != 0) errors.Add($"{Schema}: {schema.Stdout}");
        }
        finally
        {
            File.Delete(copy);
        }
        foreach (var e in errors) output.WriteLine(e);
        Assert.True(errors.Any(e => e.StartsWith(by, StringComparison.Ordinal) && e.Contains(named, StringComparison.Ordinal)),
            $"{breakage}: the {by} did not refuse it naming \"{named}\"; errors: {string.Join(" | ", errors)}");
    }
}
