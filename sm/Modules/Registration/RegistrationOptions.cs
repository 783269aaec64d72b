namespace Xmpp.Sm.Modules.Registration;

/// <summary>XEP-0077 settings, section "Sm:Registration".</summary>
public sealed class RegistrationOptions
{
    /// <summary>
    /// Whether a c2s may create accounts for clients registering in-band. Off: sm refuses a c2s's
    /// CREATE with "forbidden" (counted, logged). c2s offers registration only with C2s:Registration:Enabled too.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>How long a deleted account's name stays reserved: nobody registers it meanwhile (an administrator may create it).</summary>
    public TimeSpan ReservedAfterDelete { get; set; } = TimeSpan.FromDays(30);
}
