using Xmpp.Protos;
using Action = Xmpp.Protos.Session.Types.Action;

namespace Xmpp.Sm.Sessions;

/// <summary>
/// sm's answers to session actions (protos/router.proto): the request's ids echoed, and the
/// failure rule (the request's own action returned, marked failed, with a reason).
/// </summary>
public static class SessionAnswers
{
    public static Session For(Session request, Action action) => new()
    {
        Action = action,
        C2SSession = request.C2SSession,
        SmSession = request.SmSession,
        Target = request.Target,
        RequestId = request.RequestId,
    };

    public static Session Failed(Session request, string reason)
    {
        var answer = For(request, request.Action);
        answer.Failed = true;
        answer.Reason = reason;
        return answer;
    }
}
