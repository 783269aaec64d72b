using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>deluser &lt;jid&gt;: DELETE (sm ends the user's sessions and deletes all of their data).</summary>
internal sealed class DelUserCommand : ICommand
{
    public string Name => "deluser";
    public string Arguments => "<jid>";
    public int ArgumentCount => 1;
    public string Description => "delete an account and all of its data";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (context.ParseUser(args[0]) is not { } jid) return 1;
        var request = new Session { Action = Session.Types.Action.Delete, Target = jid.ToString() };
        if (await context.RequestAsync(jid.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, jid.ToString(), answer, "deleting");
        if (answer.Action != Session.Types.Action.Deleted) return Failure.Unexpected(context, answer);
        context.Out.WriteLine($"deleted {jid}");
        return 0;
    }
}
