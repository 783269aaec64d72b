using Microsoft.Extensions.Logging.Abstractions;
using Xmpp.Common;
using Xmpp.Protos;
using Xmpp.Sm.Core;
using Xmpp.Sm.Modules;
using Xmpp.Sm.Storage;
using Action = Xmpp.Protos.Session.Types.Action;
using Xmpp.Sm.Tests.Stores;

namespace Xmpp.Sm.Tests;

/// <summary>
/// The module contract: a module's own tables are created and migrated per module at start, it
/// reads and writes them on sm's connection inside sm's transactions, and deleting an account
/// removes every module's data with the account in one transaction.
/// </summary>
public abstract class ModuleContractTests : IDisposable
{
    /// <summary>A module with a table of its own: notes per user.</summary>
    private sealed class NotesModule(SmContext ctx, ModuleSchema schema, bool failDeletion = false) : IStoringModule
    {
        public string Name => "notes";

        public ModuleSchema Schema => schema;

        public void Load(HookTable hooks) => hooks.Disco.AddAccountFeature("urn:test:notes");

        public void Add(string user, string text) =>
            ctx.Storage.Modules.Execute("INSERT INTO notes_items (user, text) VALUES ($user, $text)", ("$user", user), ("$text", text));

        public IReadOnlyList<string> Of(string user) =>
            ctx.Storage.Modules.Query("SELECT text FROM notes_items WHERE user = $user ORDER BY text", r => r.GetString(0), ("$user", user));

        public void DeleteAccount(Jid user)
        {
            ctx.Storage.Modules.Execute("DELETE FROM notes_items WHERE user = $user", ("$user", user.ToString()));
            if (failDeletion) throw new InvalidOperationException("test: deletion fails");
        }
    }

    private static readonly ModuleSchema V1 = new("CREATE TABLE notes_items (user TEXT NOT NULL, text TEXT NOT NULL)");
    private static readonly ModuleSchema V2 = new(V1.Steps[0], "ALTER TABLE notes_items ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0");

    private readonly IStoreProvider _stores;
    private readonly List<IDisposable> _owned = [];

    protected ModuleContractTests(IStoreProvider stores) => _stores = stores;

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
    }

    private (SmHarness H, NotesModule Notes) Start(ModuleSchema schema, bool failDeletion = false)
    {
        NotesModule? notes = null;
        var h = new SmHarness(modules: ctx => [.. Xmpp.Sm.Modules.ModuleList.Create(ctx), notes = new NotesModule(ctx, schema, failDeletion)], store: _stores.NewStore());
        _owned.Add(h);
        return (h, notes!);
    }

    [Fact]
    public void A_module_schema_is_created_at_start_and_its_version_recorded()
    {
        var (h, notes) = Start(V1);

        Assert.Equal(1, h.Storage.SchemaVersion("notes"));
        notes.Add("alice@localhost", "hello");
        Assert.Equal(["hello"], notes.Of("alice@localhost"));
    }

    [Fact]
    public void Module_writes_belong_to_sm_s_transactions_on_its_one_connection()
    {
        var (h, notes) = Start(V1);

        using (h.Storage.Begin()) // e.g. a frame batch that fails before its commit
            notes.Add("alice@localhost", "lost");
        using (var tx = h.Storage.Begin())
        {
            notes.Add("alice@localhost", "kept");
            tx.Commit();
        }

        Assert.Equal(["kept"], notes.Of("alice@localhost"));
    }

    [Fact]
    public void A_later_start_runs_only_the_new_migration_and_keeps_the_data()
    {
        var (h, notes) = Start(V1);
        notes.Add("alice@localhost", "hello");

        NotesModule? again = null;
        _ = new SessionManager(h.Options, SmStorage.Of(h.Storage), new NullSink(), NullLoggerFactory.Instance,
            modules: ctx => [again = new NotesModule(ctx, V2)]);

        Assert.Equal(2, h.Storage.SchemaVersion("notes"));
        Assert.Equal(["hello"], again!.Of("alice@localhost"));
        Assert.Equal(0L, h.Storage.Scalar<long>("SELECT pinned FROM notes_items WHERE user = $u", ("$u", "alice@localhost")));
    }

    [Fact]
    public void A_file_with_a_newer_module_schema_stops_sm_from_starting()
    {
        var (h, _) = Start(V2);

        var e = Assert.Throws<InvalidOperationException>(() => new SessionManager(h.Options, SmStorage.Of(h.Storage), new NullSink(), NullLoggerFactory.Instance,
            modules: ctx => [new NotesModule(ctx, V1)]));
        Assert.Contains("notes", e.Message);
    }

    [Fact]
    public void Deleting_an_account_removes_every_module_s_data_for_it_and_nobody_else_s()
    {
        var (h, notes) = Start(V1);
        h.CreateUser("alice");
        h.CreateUser("bob");
        notes.Add("alice@localhost", "a1");
        notes.Add("bob@localhost", "b1");

        var answer = h.Request(SmHarness.Ctl, new Session { Action = Action.Delete, Target = "alice@localhost" });

        Assert.Equal(Action.Deleted, answer.Session.Action);
        Assert.False(answer.Session.Failed);
        Assert.Empty(notes.Of("alice@localhost"));
        Assert.Equal(["b1"], notes.Of("bob@localhost"));
        Assert.False(h.Storage.Exists("alice@localhost"));
    }

    [Fact]
    public void A_failing_module_deletion_keeps_the_account_and_all_its_data()
    {
        var (h, notes) = Start(V1, failDeletion: true);
        h.CreateUser("alice");
        h.Storage.PutItem("alice@localhost", new RosterItem("bob@localhost", "Bob", RosterItem.None, null, []));
        notes.Add("alice@localhost", "a1");

        var answer = h.Request(SmHarness.Ctl, new Session { Action = Action.Delete, Target = "alice@localhost" });

        Assert.True(answer.Session.Failed);
        Assert.True(h.Storage.Exists("alice@localhost"));
        Assert.Single(h.Storage.GetRoster("alice@localhost"));
        Assert.Equal(["a1"], notes.Of("alice@localhost")); // the module's own delete was rolled back too
    }

    [Fact]
    public void Account_features_of_modules_are_listed_by_disco_on_the_account()
    {
        var (h, _) = Start(V1);
        h.CreateUser("alice");
        var alice = h.Online("alice@localhost/phone");

        var result = SmHarness.SingleStanzaTo(h.Send(alice, "<iq type='get' id='d1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"), alice);

        var features = result.Descendants(XName("feature")).Select(f => (string?)f.Attribute("var")).ToList();
        Assert.Contains("urn:test:notes", features);
    }

    private static System.Xml.Linq.XName XName(string local) => System.Xml.Linq.XName.Get(local, Ns.DiscoInfo);

    private sealed class NullSink : IFrameSink
    {
        public void Send(Frame frame) { }
    }
}

public sealed class ModuleContractTestsOnSqlite() : ModuleContractTests(StoreProviders.Sqlite);

[Collection(PostgresCollection.Name)]
public sealed class ModuleContractTestsOnPostgres(PostgresFixture postgres) : ModuleContractTests(postgres);
