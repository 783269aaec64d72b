using System.Security.Cryptography;
using Xmpp.Common;

namespace Xmpp.Sm.Sessions;

/// <summary>The live sessions, indexed by sm session id and by bare JID. Used from sm's single consumer only.</summary>
public sealed class SessionTable
{
    private readonly Dictionary<string, SmSession> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<Jid, List<SmSession>> _byBare = new();

    public int Count => _byId.Count;

    public IEnumerable<SmSession> All => _byId.Values;

    /// <summary>A fresh, unused session id: 64 random bits in hex.</summary>
    public string NewId()
    {
        while (true)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            if (!_byId.ContainsKey(id)) return id;
        }
    }

    public SmSession? Find(string smSessionId) => _byId.GetValueOrDefault(smSessionId);

    public SmSession? FindFull(Jid fullJid) =>
        _byBare.TryGetValue(fullJid.Bare, out var list) ? list.Find(s => s.FullJid == fullJid) : null;

    /// <summary>All sessions of a user (any resource), in start order.</summary>
    public IReadOnlyList<SmSession> OfUser(Jid jid) =>
        _byBare.TryGetValue(jid.Bare, out var list) ? list.ToArray() : [];

    public IReadOnlyList<SmSession> OwnedBy(string c2sAddress) =>
        _byId.Values.Where(s => s.C2sAddress == c2sAddress).ToArray();

    public void Add(SmSession session)
    {
        if (FindFull(session.FullJid) is not null) throw new InvalidOperationException($"{session.FullJid} already has a session");
        _byId.Add(session.Id, session);
        if (!_byBare.TryGetValue(session.BareJid, out var list)) _byBare[session.BareJid] = list = [];
        list.Add(session);
    }

    public bool Remove(SmSession session)
    {
        if (!_byId.Remove(session.Id)) return false;
        if (_byBare.TryGetValue(session.BareJid, out var list))
        {
            list.Remove(session);
            if (list.Count == 0) _byBare.Remove(session.BareJid);
        }
        return true;
    }
}
