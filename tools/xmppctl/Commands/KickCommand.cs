using Xmpp.Common;
using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>kick &lt;jid&gt;: KICK, ends a user's sessions (bare JID: all; full JID: that one); XEP-0133 end-user-session.</summary>
internal sealed class KickCommand : ICommand
{
    public string Name => "kick";
    public string Arguments => "<jid|jid/resource>";
    public int ArgumentCount => 1;
    public string Description => "end a user's sessions (all of them, or one resource)";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (!Jid.TryParse(args[0], out var jid) || jid.Local is null)
        {
            context.Err.WriteLine($"error: '{args[0]}' is not a user JID (expected user@domain or user@domain/resource)");
            return 1;
        }
        var request = new Session { Action = Session.Types.Action.Kick, Target = jid.ToString() };
        if (await context.RequestAsync(jid.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, jid.ToString(), answer, "ending the sessions of");
        if (answer.Action != Session.Types.Action.Kicked) return Failure.Unexpected(context, answer);
        foreach (var ended in answer.Users) context.Out.WriteLine($"ended {ended}");
        if (answer.Users.Count == 0) context.Out.WriteLine($"{jid} has no session");
        return 0;
    }
}
