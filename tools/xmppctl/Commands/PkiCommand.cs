using Xmpp.Common.Pki;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>
/// pki init --dir DIR [--domain D[,D2]] [--c2s c2s-1[,c2s-2]] [--admin NAME[,..]] [--component DOMAIN[,..]] [--router-name N[,..]]:
/// creates the deployment CA and the link certificates in DIR, each only when its file is missing.
/// pki issue --dir DIR --role component --name conference.localhost: one more certificate from the existing CA
/// (roles c2s, sm, admin, component).
/// Needs no router. Prints the files it wrote, never a key.
/// </summary>
internal sealed class PkiCommand : ICommand
{
    public string Name => "pki";
    public string Arguments => "init --dir DIR [--domain D,..] [--c2s ID,..] [--admin NAME,..] [--component DOMAIN,..] [--router-name NAME,..] | issue --dir DIR --role ROLE --name NAME";
    public int ArgumentCount => -1;
    public string Description => "create the deployment CA and link certificates (only those missing)";

    public Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (args.Count == 0 || args[0] is not ("init" or "issue")) return Task.FromResult(Usage(context));
        var issue = args[0] == "issue";
        string? dir = null, role = null, issueName = null;
        var request = new PkiRequest();
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var name = eq < 0 ? arg : arg[..eq];
            var value = eq < 0 ? (i + 1 < args.Count ? args[++i] : null) : arg[(eq + 1)..];
            if (string.IsNullOrEmpty(value)) return Task.FromResult(Usage(context));
            var list = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (name)
            {
                case "--dir": dir = value; break;
                case "--domain": request = request with { Domains = list }; break;
                case "--c2s": request = request with { C2sInstances = list }; break;
                case "--admin": request = request with { Admins = list }; break;
                case "--router-name": request = request with { RouterNames = [.. request.RouterNames, .. list] }; break;
                case "--component": request = request with { Components = list }; break;
                case "--role" when issue: role = value; break;
                case "--name" when issue: issueName = value; break;
                default: return Task.FromResult(Usage(context));
            }
        }
        if (dir is null) return Task.FromResult(Usage(context));
        if (issue)
        {
            if (issueName is null || !ComponentRoles.TryParse(role, out var parsedRole)) return Task.FromResult(Usage(context));
            // Only the named certificate (the CA and router certificate exist already, or are created too).
            request = request with
            {
                Domains = parsedRole == ComponentRole.Sm ? [issueName] : [],
                C2sInstances = parsedRole == ComponentRole.C2s ? [issueName] : [],
                Admins = parsedRole == ComponentRole.Admin ? [issueName] : [],
                Components = parsedRole == ComponentRole.Component ? [issueName] : [],
            };
        }
        try
        {
            var written = PkiInitializer.Init(dir, request);
            foreach (var file in written) context.Out.WriteLine($"created {file} (key beside it, owner-only)");
            if (written.Count == 0) context.Out.WriteLine($"{dir}: every certificate exists; nothing created");
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            context.Err.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private int Usage(CtlContext context)
    {
        context.Err.WriteLine($"usage: xmppctl pki {Arguments}");
        return 2;
    }
}
