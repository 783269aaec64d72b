using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Xmpp.Common;
using Xmpp.Common.Sasl;
using Xmpp.Sm.Storage;
using Xmpp.Sm.Telemetry;

namespace Xmpp.Sm.Modules.Fast;

/// <summary>A token just issued: goes to the client once, in SASL2's success, and nowhere else (never logged).</summary>
public sealed record IssuedFastToken(string Token, DateTimeOffset Expiry, string Mechanism)
{
    /// <summary>Without the secret, so a log line or an exception message can never carry it.</summary>
    public override string ToString() => $"IssuedFastToken {{ Mechanism = {Mechanism}, Expiry = {Expiry:O} }}";
}

public enum FastVerdict
{
    Ok,
    /// <summary>No token of the client matched (or the account is unknown, the token revoked, the mechanism or count wrong).</summary>
    NotAuthorized,
    /// <summary>The client's token matched but has expired: SASL's credentials-expired (XEP-0484 §4.2).</summary>
    Expired,
}

/// <summary>The outcome of an HT-* login: the verdict; on success the Responder HMAC and possibly a new token.</summary>
public sealed record FastCheck(FastVerdict Verdict, byte[]? Responder = null, IssuedFastToken? Token = null)
{
    public static readonly FastCheck NotAuthorized = new(FastVerdict.NotAuthorized);
}

/// <summary>What a client's SASL2 &lt;authenticate&gt; said about FAST (protos' FastRequest, without the wire types).</summary>
public sealed record FastAsk(string UserAgentId, string? RequestToken = null, bool Invalidate = false, long Count = 0);

/// <summary>
/// XEP-0484 FAST tokens: issued, stored and checked here in sm, never in c2s (secrets stay in sm).
/// Tokens are kept per (account, client), the client named by the SHA-256 of its SASL2 user-agent
/// id, in the XEP's two slots (§5): "new" (issued, not used yet) and "current" (used at least
/// once). A login tries "new" first; a match there moves it to "current", replacing the older
/// token, so a client that missed the success with a rotated token still logs in with the old one
/// until it uses the new one. Each token is bound to one HT mechanism and carries the highest
/// 0-RTT count used with it. A check always computes two HMACs (a throwaway key stands in for an
/// empty slot), so unknown accounts and tokens fail after the same work as known ones.
/// </summary>
public sealed class FastTokens(IModuleStore store, IStorageTransactions transactions, FastOptions options, TimeProvider clock, ILogger logger)
{
    public const string NewSlot = "new";
    public const string CurrentSlot = "current";
    private const string Prefix = "secret-token:fast-"; // RFC 8959: secret scanners recognise it

    private readonly byte[] _throwaway = RandomNumberGenerator.GetBytes(32);
    private int MaxTokens => Math.Max(2, options.MaxTokensPerAccount);

    private sealed record Row(string Slot, string Mechanism, string Token, long Issued, long Expires, long Count);

    /// <summary>The stored name of a client: its user-agent id is the client's own; sm keeps only a hash of it.</summary>
    public static string ClientKey(string userAgentId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userAgentId)));

    /// <summary>
    /// A new token for <paramref name="userAgentId"/> bound to <paramref name="mechanism"/>, after the
    /// account authenticated: into the "new" slot, replacing a previous unused one (XEP-0484 §3.5).
    /// Null, logged and counted, without a user-agent id or for a mechanism that is not HT-*.
    /// </summary>
    public IssuedFastToken? Issue(Jid user, string userAgentId, string mechanism, string reason)
    {
        if (userAgentId.Length == 0)
        {
            FastTelemetry.Add(FastTelemetry.Refused, "no-user-agent");
            logger.LogInformation("FAST token for {User} not issued: the client sent no user-agent id", user);
            return null;
        }
        if (HtMechanism.ByName(mechanism) is null)
        {
            FastTelemetry.Add(FastTelemetry.Refused, "bad-mechanism");
            logger.LogInformation("FAST token for {User} not issued: {Mechanism} is no HT mechanism", user, mechanism);
            return null;
        }
        var name = user.Bare.ToString();
        var now = clock.GetUtcNow();
        var expiry = now + options.TokenLifetime;
        var token = Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        using var tx = transactions.Begin();
        RemoveExpired(name, now.ToUnixTimeSeconds());
        store.Execute("""
            INSERT INTO fast_tokens (user, client, slot, mechanism, token, issued, expires, count)
            VALUES ($user, $client, 'new', $mechanism, $token, $issued, $expires, 0)
            ON CONFLICT (user, client, slot) DO UPDATE SET mechanism = excluded.mechanism, token = excluded.token,
                issued = excluded.issued, expires = excluded.expires, count = 0
            """, ("$user", name), ("$client", ClientKey(userAgentId)), ("$mechanism", mechanism), ("$token", token),
            ("$issued", now.ToUnixTimeSeconds()), ("$expires", expiry.ToUnixTimeSeconds()));
        var evicted = store.Execute("""
            DELETE FROM fast_tokens WHERE user = $user AND rowid NOT IN
                (SELECT rowid FROM fast_tokens WHERE user = $user ORDER BY issued DESC, rowid DESC LIMIT $max)
            """, ("$user", name), ("$max", (long)MaxTokens));
        tx.Commit();
        if (evicted > 0)
        {
            FastTelemetry.Add(FastTelemetry.Revoked, "evicted", evicted);
            logger.LogInformation("{Count} older FAST token(s) of {User} removed: at most {Max} per account (Sm:Fast:MaxTokensPerAccount)", evicted, user, MaxTokens);
        }
        FastTelemetry.Add(FastTelemetry.Issued, reason);
        logger.LogDebug("FAST token for {Mechanism} issued to a client of {User} ({Reason}), valid until {Expiry:O}", mechanism, user, reason, expiry);
        return new IssuedFastToken(token, DateTimeOffset.FromUnixTimeSeconds(expiry.ToUnixTimeSeconds()), mechanism);
    }

    /// <summary>
    /// Checks an HT-* initial response: <paramref name="hash"/> against HMAC(token, "Initiator" ||
    /// cb-data) for the client's "new" then "current" token. On success: the Responder HMAC; the
    /// token moves to "current" (or all the client's tokens go, with invalidate); a new token when
    /// the client asked for one, or the used one is due for rotation (not with invalidate).
    /// </summary>
    public FastCheck Check(Jid user, HtMechanism mechanism, byte[] hash, byte[] channelBinding, FastAsk ask)
    {
        var name = user.Bare.ToString();
        var client = ClientKey(ask.UserAgentId);
        var rows = ask.UserAgentId.Length == 0 ? [] : store.Query(
            "SELECT slot, mechanism, token, issued, expires, count FROM fast_tokens WHERE user = $user AND client = $client",
            r => new Row(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)),
            ("$user", name), ("$client", client));
        var fresh = rows.FirstOrDefault(r => r.Slot == NewSlot);
        var current = rows.FirstOrDefault(r => r.Slot == CurrentSlot);
        // Both slots are always computed (a throwaway key for an empty one): the same work whether
        // the account, the client or its tokens exist or not.
        var freshMatches = HtToken.Matches(HtToken.Initiator(fresh is null ? _throwaway : HtToken.Key(fresh.Token), channelBinding), hash) & fresh is not null;
        var currentMatches = HtToken.Matches(HtToken.Initiator(current is null ? _throwaway : HtToken.Key(current.Token), channelBinding), hash) & current is not null;
        var used = freshMatches ? fresh : currentMatches ? current : null;
        if (used is null) return Refuse(user, "mismatch");
        if (used.Mechanism != mechanism.Name) return Refuse(user, "mechanism");

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (used.Expires <= now)
        {
            store.Execute("DELETE FROM fast_tokens WHERE user = $user AND client = $client AND slot = $slot", ("$user", name), ("$client", client), ("$slot", used.Slot));
            FastTelemetry.Add(FastTelemetry.Refused, "expired");
            logger.LogInformation("FAST login of {User} refused: the token expired {Seconds} s ago", user, now - used.Expires);
            return new FastCheck(FastVerdict.Expired);
        }
        if (ask.Count > 0 && ask.Count <= used.Count) return Refuse(user, "replay");

        using (var tx = transactions.Begin())
        {
            if (ask.Invalidate)
            {
                var removed = store.Execute("DELETE FROM fast_tokens WHERE user = $user AND client = $client", ("$user", name), ("$client", client));
                FastTelemetry.Add(FastTelemetry.Revoked, "invalidated", removed);
                logger.LogInformation("FAST tokens of a client of {User} invalidated at its request", user);
            }
            else
            {
                if (used.Slot == NewSlot)
                {
                    // The new token is in use: the older one goes (XEP-0484 §3.5, §5).
                    store.Execute("DELETE FROM fast_tokens WHERE user = $user AND client = $client AND slot = 'current'", ("$user", name), ("$client", client));
                    store.Execute("UPDATE fast_tokens SET slot = 'current' WHERE user = $user AND client = $client AND slot = 'new'", ("$user", name), ("$client", client));
                }
                if (ask.Count > 0)
                    store.Execute("UPDATE fast_tokens SET count = $count WHERE user = $user AND client = $client AND slot = 'current'",
                        ("$count", ask.Count), ("$user", name), ("$client", client));
            }
            tx.Commit();
        }
        FastTelemetry.Used.Add(1, new KeyValuePair<string, object?>("mechanism", mechanism.Name));
        logger.LogDebug("FAST login of {User} with {Mechanism}", user, mechanism.Name);

        IssuedFastToken? next = null;
        if (!string.IsNullOrEmpty(ask.RequestToken))
            next = Issue(user, ask.UserAgentId, ask.RequestToken, "requested");
        else if (!ask.Invalidate && options.RotateAfter > TimeSpan.Zero && now - used.Issued >= (long)options.RotateAfter.TotalSeconds)
            next = Issue(user, ask.UserAgentId, used.Mechanism, "rotated");
        return new FastCheck(FastVerdict.Ok, HtToken.Responder(HtToken.Key(used.Token), channelBinding), next);
    }

    /// <summary>Removes every token of <paramref name="user"/> (password changed, account deleted); how many there were.</summary>
    public int RevokeAll(Jid user, string reason)
    {
        var removed = store.Execute("DELETE FROM fast_tokens WHERE user = $user", ("$user", user.Bare.ToString()));
        if (removed > 0)
        {
            FastTelemetry.Add(FastTelemetry.Revoked, reason, removed);
            logger.LogInformation("{Count} FAST token(s) of {User} revoked: {Reason}", removed, user.Bare, reason);
        }
        return removed;
    }

    /// <summary>How many tokens <paramref name="user"/> holds (expired ones not yet cleaned up included).</summary>
    public long Count(Jid user) =>
        store.Scalar<long>("SELECT count(*) FROM fast_tokens WHERE user = $user", ("$user", user.Bare.ToString()));

    private FastCheck Refuse(Jid user, string reason)
    {
        FastTelemetry.Add(FastTelemetry.Refused, reason);
        logger.LogInformation("FAST login of {User} refused: {Reason}", user, reason);
        return FastCheck.NotAuthorized;
    }

    private void RemoveExpired(string user, long now)
    {
        var removed = store.Execute("DELETE FROM fast_tokens WHERE user = $user AND expires <= $now", ("$user", user), ("$now", now));
        FastTelemetry.Add(FastTelemetry.Revoked, "expired", removed);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
