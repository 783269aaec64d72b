using Xmpp.Bench;

// xmpp-bench <login|messages|groupchat|idle|register> [--option value ...]   (see Usage below)
const string Usage = """
usage: xmpp-bench <scenario> [options]
scenarios (each bounded in count and time; servers must be loopback addresses):
  login     --accounts C --concurrency K                  C accounts log in (TLS, SASL, bind, session, presence)
  messages  --online N [--duration T] [--warmup W] [--drain D] [--rate R | --window W] [--batch B]
                                                          N online accounts send chat messages to random online peers
  groupchat --occupants 100 --senders 10 [--muc conference.DOMAIN] [--room NAME] [--join-concurrency 10]
            [--presence-timeout 60] [--duration T] [--warmup W] [--drain D] [--rate R | --window W] [--batch B]
                                                          N accounts join one XEP-0045 room (the first creates it, instant);
                                                          S of them send groupchat messages (R msg/s in all, or flat out);
                                                          deliveries (message x occupant) per s, latency, lost, duplicated
  idle      --connections N [--settle S] [--prime P] [--per-worker M]
                                                          N idle authenticated TLS connections; server RSS per connection
  register  --router URL --pki DIR --users N [--parallel P] create accounts on OUR server over the router (SCRAM, 4096 iterations)
  provision-prosody --dir DATA/HOST/accounts --users N [--hash SHA-256] [--iterations 4096]
                                                          write Prosody internal_hashed account files
  provision-ejabberd --api http://127.0.0.1:5280/api --users N [--parallel 8]
                                                          register accounts through ejabberd's HTTP API
  faults    [--pairs 5] [--rate 10] [--duration 30] [--fault-at 10] [--drain 10] [--late 5] [--ack-every-ms 100]
            [--fault-file F --fault NAME --faulted-c2s I] [--fault-wait 90] [--after-fault 5] [--no-sm]
                                                          numbered messages between pairs over the --server c2s ports; at --fault-at
                                                          the bench creates F and waits for a line "done" in it (faults.sh kills and
                                                          restarts a process meanwhile); sends until --duration, and at least --after-fault
                                                          seconds after "done"; counts lost, duplicated, late (docs/RESILIENCE.md)
  offline-store [--seconds 5] [--rounds 3] [--size 300] [--dir DIR]
                                                          no server: sm's offline store SQL in a loop, synchronous=FULL vs NORMAL
common options:
  --server 127.0.0.1:5222[,127.0.0.1:5223]  server(s), round-robin by account   --domain localhost
  --prefix bench --first 1 --password bench-secret       accounts bench1..benchN@domain, one password
  --mech scram|scram-sha-256|scram-sha-1|plain           scram: SCRAM-SHA-256 if offered, else SCRAM-SHA-1
  --sources S            bind client sockets to 127.0.0.1..127.0.0.S (idle: go past one address's port range)
  --label NAME           name of the server in the output
  --server-pids P,Q | --server-pidfile F | --server-match REGEX   server processes (descendants included): CPU split, RSS
  --scram-cache FILE     keep SCRAM salted passwords between runs (RFC 5802 5.1); --no-scram-cache to derive every time
  --login-timeout 30 --timeout 300 --tls-resume --no-presence
  --plain-tls            accept a server without STARTTLS   --no-starttls   never use TLS (to measure what TLS costs)
output: one human line and one line starting with "JSON " per run.
""";

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "login" => await LoginScenario.RunAsync(options, cts.Token),
        "messages" => await MessagesScenario.RunAsync(options, cts.Token),
        "groupchat" => await GroupchatScenario.RunAsync(options, cts.Token),
        "idle" => await IdleScenario.RunAsync(options, args, cts.Token),
        "idle-worker" => await IdleScenario.WorkerAsync(options, cts.Token),
        "register" => await RegisterCommand.RunAsync(options, cts.Token),
        "provision-prosody" => await ProvisionCommand.ProsodyAsync(options, cts.Token),
        "provision-ejabberd" => await ProvisionCommand.EjabberdAsync(options, cts.Token),
        "offline-store" => OfflineStoreScenario.Run(options),
        "faults" => await Xmpp.Bench.Faults.FaultScenario.RunAsync(options, cts.Token),
        _ => throw new UsageException($"unknown scenario '{args[0]}'"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (OperationCanceledException) when (cts.IsCancellationRequested)
{
    Console.Error.WriteLine("error: interrupted");
    return 1;
}
