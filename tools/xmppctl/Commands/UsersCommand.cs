using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>users: LIST the accounts of the domain (--domain, default localhost), one per line.</summary>
internal sealed class UsersCommand : ICommand
{
    public string Name => "users";
    public string Arguments => "";
    public int ArgumentCount => 0;
    public string Description => "list the domain's accounts, one per line";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        var request = new Session { Action = Session.Types.Action.List };
        if (await context.RequestAsync(context.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, $"sm/{context.Domain}", answer, "listing users of");
        if (answer.Action != Session.Types.Action.Listed) return Failure.Unexpected(context, answer);
        foreach (var user in answer.Users.Order(StringComparer.Ordinal))
            context.Out.WriteLine(user);
        return 0;
    }
}
