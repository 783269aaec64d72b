using System.Xml.Linq;
using Xmpp.C2s.Protocol;
using Xmpp.Common.Stanzas;

namespace Xmpp.C2s.Sasl;

/// <summary>
/// XEP-0198 inside a XEP-0388 &lt;authenticate/&gt;: what the client asked (an inline
/// &lt;resume previd h/&gt;, an &lt;enable/&gt; inside its XEP-0386 &lt;bind/&gt;) and where the answers
/// go in &lt;success/&gt;: &lt;resumed/&gt; or &lt;failed/&gt; beside the authorization identifier,
/// &lt;enabled/&gt; or &lt;failed/&gt; inside &lt;bound/&gt;. The answers themselves are the ones of
/// legacy XEP-0198 (<see cref="StreamManagementNonzas"/>); no state of the stream, no I/O.
/// </summary>
public sealed class Sasl2StreamManagement
{
    private readonly List<XElement> _extensions = [];
    private XElement? _bound;

    /// <param name="offered">Whether XEP-0198 is offered on this server (C2s:StreamManagement:Enabled); else its inline elements are ignored.</param>
    public Sasl2StreamManagement(Sasl2Request request, bool offered)
    {
        if (!offered) return;
        if (request.Others.FirstOrDefault(e => e.Name == ResumeName) is { } resume)
        {
            if (StreamManagementNonzas.TryH(resume, out var h) && (string?)resume.Attribute("previd") is { Length: > 0 } previd) Resume = (previd, h);
            else _extensions.Add(XElement.Parse(StreamManagementNonzas.Failed(StanzaErrors.BadRequest)));
        }
        Enable = request.Bind?.StreamManagement;
    }

    private static readonly XName ResumeName = XName.Get("resume", StreamManagementNonzas.Namespace);

    /// <summary>The resumption asked inline (a valid one), or null.</summary>
    public (string PrevId, uint H)? Resume { get; }

    /// <summary>The &lt;enable/&gt; inside the client's &lt;bind/&gt;, or null.</summary>
    public XElement? Enable { get; }

    public bool Resumed { get; private set; }

    /// <summary>
    /// XEP-0198's answer to the resumption (&lt;resumed/&gt; or &lt;failed/&gt;); true when the session
    /// was resumed: then &lt;success/&gt; goes out now and Bind 2 is skipped (XEP-0388), else Bind 2 follows if asked.
    /// </summary>
    public bool OnResumeAnswer(string nonza)
    {
        var answer = XElement.Parse(nonza);
        _extensions.Add(answer);
        Resumed = answer.Name.LocalName == "resumed";
        return Resumed;
    }

    /// <summary>Bind 2 bound a resource: &lt;bound/&gt; goes into &lt;success/&gt;, with the &lt;enabled/&gt; answer when one was asked.</summary>
    public void OnBound(XElement bound)
    {
        _bound = bound;
        _extensions.Add(bound);
    }

    /// <summary>XEP-0198's answer to the inline &lt;enable/&gt; (&lt;enabled/&gt; or &lt;failed/&gt;), inside &lt;bound/&gt;.</summary>
    public void OnEnableAnswer(string nonza) =>
        (_bound ?? throw new InvalidOperationException("no <bound/> to put the answer in")).Add(XElement.Parse(nonza));

    /// <summary>The elements &lt;success/&gt; carries for XEP-0198 and Bind 2, in the order they were answered.</summary>
    public IReadOnlyList<XElement> Extensions => _extensions;
}
