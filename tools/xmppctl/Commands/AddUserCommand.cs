using Xmpp.Protos;

namespace Xmpp.Tools.Ctl.Commands;

/// <summary>adduser &lt;jid&gt; &lt;password&gt;: CREATE with locally derived SCRAM credentials.</summary>
internal sealed class AddUserCommand : ICommand
{
    public string Name => "adduser";
    public string Arguments => "<jid> <password|->";
    public int ArgumentCount => 2;
    public string Description => "create an account";

    public async Task<int> RunAsync(CtlContext context, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (context.ParseUser(args[0]) is not { } jid) return 1;
        if (context.ReadPassword(args[1]) is not { } password) return 1;
        var request = new Session { Action = Session.Types.Action.Create, Target = jid.ToString(), Credentials = CredentialsFactory.Derive(password, context.Iterations) };
        if (await context.RequestAsync(jid.Domain, request, ct) is not { } answer) return 1;
        if (answer.Failed) return Failure.Report(context, jid.ToString(), answer, "creating");
        if (answer.Action != Session.Types.Action.Created) return Failure.Unexpected(context, answer);
        context.Out.WriteLine($"created {jid}");
        return 0;
    }
}
