using Xmpp.Tools.Ctl;
using Xmpp.Tools.Ctl.Commands;

// xmppctl [--router URL] [--domain D] [--pki DIR | --ca F --cert F [--key F]] <command> [args]
// Exit codes: 0 success, 1 the operation failed (refused, router or sm unreachable, timeout), 2 usage error.

ICommand[] commands = [new AddUserCommand(), new PasswdCommand(), new DelUserCommand(), new UsersCommand(), new OnlineCommand(), new KickCommand(), new AnnounceCommand(), new TraceCommand(), new PkiCommand(), new ComponentsCommand()];

var parsed = CommandLine.Parse(args);
if (parsed.Error is not null)
{
    Console.Error.WriteLine($"error: {parsed.Error}");
    Console.Error.WriteLine(CommandLine.Usage(commands));
    return 2;
}
if (parsed.Help || parsed.Command is null)
{
    (parsed.Help ? Console.Out : Console.Error).WriteLine(CommandLine.Usage(commands));
    return parsed.Help ? 0 : 2;
}

var command = commands.FirstOrDefault(c => c.Name == parsed.Command);
if (command is null)
{
    Console.Error.WriteLine($"error: unknown command '{parsed.Command}'");
    Console.Error.WriteLine(CommandLine.Usage(commands));
    return 2;
}
if (command.ArgumentCount >= 0 && parsed.Arguments.Count != command.ArgumentCount) // -1: the command parses its own
{
    Console.Error.WriteLine($"usage: xmppctl [--router URL] [--domain D] [--pki DIR] {command.Name} {command.Arguments}");
    return 2;
}

await using var context = new CtlContext(parsed.Certificates.LinkOptions(parsed.RouterAddress), parsed.Domain, Console.Out, Console.Error, Console.In, parsed.Iterations);
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; interrupted.Cancel(); };
try
{
    return await command.RunAsync(context, parsed.Arguments, interrupted.Token);
}
catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
{
    Console.Error.WriteLine("error: interrupted");
    return 1;
}
