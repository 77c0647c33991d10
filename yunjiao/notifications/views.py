from django.shortcuts import redirect

from yunjiao.core.views import LoginRequiredView, ScopedListView
from yunjiao.notifications import services
from yunjiao.notifications.models import Message


class InboxView(ScopedListView):
    model = Message
    template_name = "notifications/inbox.html"
    paginate_by = 30

    def post(self, request, *args, **kwargs):
        services.mark_read(request.user)
        return redirect("notifications:inbox")


class PortalInboxView(InboxView):
    portal = True
    template_name = "notifications/portal_inbox.html"

    def post(self, request, *args, **kwargs):
        services.mark_read(request.user)
        return redirect("notifications:portal_inbox")


class ReadView(LoginRequiredView):
    """Open a message: mark it read and follow its link."""

    any_audience = True

    def get(self, request, pk):
        from django.http import Http404

        msg = Message.objects.visible_to(request.user).filter(pk=pk).first()
        if msg is None:
            raise Http404("未找到该消息。")
        services.mark_read(request.user, [msg.pk])
        default = "notifications:portal_inbox" if request.user.role == "subject" else "notifications:inbox"
        return redirect(msg.link if msg.link.startswith("/") else default)
