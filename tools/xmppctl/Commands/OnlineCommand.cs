using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>online: ONLINE, the live sessions (full JIDs, one per line) of the domain (--domain, default localhost); XEP-0133 get-online-users.</summary>
internal sealed class OnlineCommand : ICommand
{
    public string Name => "online";
    public string Arguments => "";
    public int ArgumentCount => 0;
    public string Description => "list the live sessions (full JIDs), one per line";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (await context.RequestAsync(context.Domain, new Session { Action = Session.Types.Action.Online }, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, $"sm/{context.Domain}", answer, "listing sessions of");
        if (answer.Action != Session.Types.Action.OnlineList) return Failure.Unexpected(context, answer);
        foreach (var jid in answer.Users) context.Out.WriteLine(jid);
        return 0;
    }
}
