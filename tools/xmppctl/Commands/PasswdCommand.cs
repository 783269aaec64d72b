using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>passwd &lt;jid&gt; &lt;password&gt;: PASSWD with fresh credentials (new salt).</summary>
internal sealed class PasswdCommand : ICommand
{
    public string Name => "passwd";
    public string Arguments => "<jid> <password|->";
    public int ArgumentCount => 2;
    public string Description => "set an account's password";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (context.ParseUser(args[0]) is not { } jid) return 1;
        if (context.ReadPassword(args[1]) is not { } password) return 1;
        var request = new Session { Action = Session.Types.Action.Passwd, Target = jid.ToString(), Credentials = CredentialsFactory.Derive(password, context.Iterations) };
        if (await context.RequestAsync(jid.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, jid.ToString(), answer, "changing the password of");
        if (answer.Action != Session.Types.Action.PasswdDone) return Failure.Unexpected(context, answer);
        context.Out.WriteLine($"password changed for {jid}");
        return 0;
    }
}
