using k8s;
using k8s.Models;
using Xmpp.Integration.Tests.Harness;

namespace Xmpp.Integration.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/ read and checked three ways:
/// <list type="bullet">
/// <item>the official Kubernetes client for .NET (NuGet KubernetesClient, models generated from the Kubernetes
///   OpenAPI specification) deserialises every object strictly: an unknown field or a value of the wrong type is an error;</item>
/// <item>kubernetes-models' JSON schemas (npm, also generated from the OpenAPI specification; ajv) check required
///   properties, types and formats (tests/kubernetes/validate.mjs, run with node);</item>
/// <item>what neither schema can see, across objects: selectors that select the pods they mean, ports and probes
///   that name ports the containers have, an autoscaler whose target exists, no container writable or root.</item>
/// </list>
/// </summary>
public static class KubernetesManifests
{
    public static string Directory => Path.Combine(RepoPaths.Root, "deploy", "kubernetes");

    /// <summary>The manifest files (kustomization.yaml, not a Kubernetes object, is left out).</summary>
    public static IReadOnlyList<string> Files =>
        [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml").Order(StringComparer.Ordinal)];

    /// <summary>Every object of the YAML text, deserialised strictly (throws on unknown fields and wrong types).</summary>
    public static IReadOnlyList<object> LoadStrict(string yaml) => KubernetesYaml.LoadAllFromString(yaml, strict: true);

    /// <summary>node tests/kubernetes/validate.mjs on these files (kubernetes-models' JSON schemas).</summary>
    public static Task<RunResult> SchemaValidateAsync(IEnumerable<string> files)
    {
        var validator = Path.Combine(RepoPaths.Root, "tests", "kubernetes");
        if (!System.IO.Directory.Exists(Path.Combine(validator, "node_modules", "kubernetes-models")))
            throw new InvalidOperationException($"{validator}/node_modules is missing: npm ci --prefix {validator} (tools/test.sh runs it)");
        return ProcessRunner.RunAsync("node", [Path.Combine(validator, "validate.mjs"), .. files], TimeSpan.FromSeconds(60));
    }

    /// <summary>What is wrong across the objects; empty when nothing is.</summary>
    public static IReadOnlyList<string> CrossCheck(IReadOnlyList<object> objects)
    {
        var problems = new List<string>();
        var workloads = new List<(string Name, IDictionary<string, string> Labels, V1PodSpec Pod)>();
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1Deployment d:
                    CheckWorkload($"Deployment/{d.Metadata.Name}", d.Spec.Selector, d.Spec.Template, problems);
                    workloads.Add(($"Deployment/{d.Metadata.Name}", d.Spec.Template.Metadata.Labels, d.Spec.Template.Spec));
                    break;
                case V1StatefulSet s:
                    CheckWorkload($"StatefulSet/{s.Metadata.Name}", s.Spec.Selector, s.Spec.Template, problems);
                    workloads.Add(($"StatefulSet/{s.Metadata.Name}", s.Spec.Template.Metadata.Labels, s.Spec.Template.Spec));
                    if (!objects.OfType<V1Service>().Any(svc => svc.Metadata.Name == s.Spec.ServiceName && svc.Spec.ClusterIP == "None"))
                        problems.Add($"StatefulSet/{s.Metadata.Name}: no headless Service {s.Spec.ServiceName}");
                    break;
            }
        }
        foreach (var o in objects)
        {
            switch (o)
            {
                case V1Service svc:
                {
                    var selected = workloads.Where(w => Selects(svc.Spec.Selector, w.Labels)).ToList();
                    if (selected.Count == 0) { problems.Add($"Service/{svc.Metadata.Name}: its selector selects no pods"); break; }
                    foreach (var port in svc.Spec.Ports)
                        foreach (var w in selected)
                            if (!HasPort(w.Pod.Containers, port.TargetPort?.ToString() ?? port.Port.ToString()))
                                problems.Add($"Service/{svc.Metadata.Name}: targetPort {port.TargetPort} is no container port of {w.Name}");
                    break;
                }
                case V1PodDisruptionBudget pdb:
                    if (!workloads.Any(w => Selects(pdb.Spec.Selector?.MatchLabels, w.Labels)))
                        problems.Add($"PodDisruptionBudget/{pdb.Metadata.Name}: its selector selects no pods");
                    break;
                case V2HorizontalPodAutoscaler hpa:
                    var target = hpa.Spec.ScaleTargetRef;
                    if (!workloads.Any(w => w.Name == $"{target.Kind}/{target.Name}"))
                        problems.Add($"HorizontalPodAutoscaler/{hpa.Metadata.Name}: its target {target.Kind}/{target.Name} is not in the manifests");
                    break;
                case V1NetworkPolicy np:
                {
                    var selected = workloads.Where(w => Selects(np.Spec.PodSelector?.MatchLabels, w.Labels)).ToList();
                    if (selected.Count == 0) problems.Add($"NetworkPolicy/{np.Metadata.Name}: its podSelector selects no pods");
                    foreach (var port in np.Spec.Ingress?.SelectMany(r => r.Ports ?? []) ?? [])
                        foreach (var w in selected)
                            if (!HasPort(w.Pod.Containers, port.Port?.ToString() ?? ""))
                                problems.Add($"NetworkPolicy/{np.Metadata.Name}: port {port.Port} is no container port of {w.Name}");
                    break;
                }
            }
        }
        return problems;
    }

    private static void CheckWorkload(string name, V1LabelSelector? selector, V1PodTemplateSpec template, List<string> problems)
    {
        if (!Selects(selector?.MatchLabels, template.Metadata?.Labels ?? new Dictionary<string, string>()))
            problems.Add($"{name}: its selector does not select its own pods");
        var pod = template.Spec;
        var volumes = pod.Volumes?.Select(v => v.Name).ToHashSet() ?? [];
        foreach (var c in (pod.InitContainers ?? []).Concat(pod.Containers))
        {
            var where = $"{name} container {c.Name}";
            foreach (var probe in new[] { c.ReadinessProbe, c.LivenessProbe, c.StartupProbe })
                if (probe?.HttpGet is { } get && !HasPort([c], get.Port.ToString()))
                    problems.Add($"{where}: probe port {get.Port} is not one of its ports");
            foreach (var mount in c.VolumeMounts ?? [])
                if (!volumes.Contains(mount.Name)) problems.Add($"{where}: mounts volume {mount.Name}, which the pod does not have");
            if (c.SecurityContext?.ReadOnlyRootFilesystem != true) problems.Add($"{where}: root filesystem not read-only");
            if (c.SecurityContext?.AllowPrivilegeEscalation != false) problems.Add($"{where}: privilege escalation not ruled out");
            if ((c.SecurityContext?.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot) != true) problems.Add($"{where}: may run as root");
        }
    }

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool HasPort(IEnumerable<V1Container> containers, string port) =>
        containers.Any(c => (c.Ports ?? []).Any(p => p.Name == port || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == port));
}
