using Xmpp.Common.Link;
using Xmpp.Protos;

namespace Xmpp.Router.Security;

/// <summary>
/// The answers to a frame the sender's role may not send (protos/router.proto, "Permissions"):
/// a session action comes back marked failed with reason "forbidden"; any other frame comes back
/// with route error ROUTE_FORBIDDEN. A frame that is itself such an answer is not answered again.
/// </summary>
public static class LinkRefusals
{
    public static Frame? AnswerTo(Frame frame, string reason)
    {
        if (frame.RouteError is { Code: not RouteError.Types.Code.RouteErrorNone }) return null;
        var answer = frame.Clone();
        answer.To = frame.From;
        answer.From = frame.To;
        if (answer.BodyCase == Frame.BodyOneofCase.Session)
        {
            if (frame.Session.Failed && frame.Session.Reason == LinkPermissions.ForbiddenReason) return null;
            answer.Session.Failed = true;
            answer.Session.Reason = LinkPermissions.ForbiddenReason;
        }
        else
        {
            answer.RouteError = new RouteError { Code = RouteError.Types.Code.RouteForbidden, Reason = reason };
        }
        return answer;
    }
}
