from yunjiao.core.menu import items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from yunjiao.notifications.services import unread_count

    return {"menu_items": items_for(user, request.path), "unread_messages": unread_count(user)}
